// SPDX-License-Identifier: MIT
// The browser test's probe (report.cmake adds it to a copy of the report, after the page's own
// script, with EXPECTED_EVENTS defined). It checks what a reader relies on and writes
// "PASS ..." or "FAIL: reasons" into <html data-probe>.
(function () {
  'use strict';
  const failures = [];
  const notes = [];
  function check(ok, what) { if (!ok) failures.push(what); }
  const sections = document.querySelectorAll('section.run');
  check(sections.length === 1, 'one section per file run, got ' + sections.length);
  const run = sections[0];
  const entries = run.querySelectorAll('table.timeline tr.event');
  check(entries.length === EXPECTED_EVENTS,
        'timeline entries ' + entries.length + ', events ' + EXPECTED_EVENTS);
  notes.push(entries.length + ' timeline entries');

  // Every entry expands; kernel events show their kb stack.
  const stacks = run.querySelectorAll('tr.ev-notify pre.stack');
  check(stacks.length > 0 && stacks.length === run.querySelectorAll('tr.ev-notify').length,
        'each notify entry has a kb stack');
  check(stacks.length === 0 || stacks[0].textContent.indexOf('Call Site') >= 0,
        'the stack is kb\'s');

  // The slider: the last step shows the end of the run; step 0 (after boot) shows the boot
  // entries only, and the table changes when the slider moves.
  const slider = run.querySelector('input.slider');
  const cid = run.querySelector('table.cid tbody');
  const label = run.querySelector('.step-label');
  check(slider !== null && cid !== null, 'a slider and a PspCidTable table');
  const endRows = cid.rows.length;
  const endText = cid.textContent;
  check(label.textContent.indexOf('end of run') >= 0, 'the page opens at the end of the run');
  slider.value = '0';
  slider.dispatchEvent(new Event('input'));
  const bootRows = cid.rows.length;
  check(cid.textContent !== endText, 'moving the slider changes the PspCidTable shown');
  check(label.textContent.indexOf('after boot') >= 0, 'step 0 is after boot');
  check(bootRows === 2, 'two PspCidTable entries after boot, got ' + bootRows);
  const current = run.querySelectorAll('tr.event.current');
  check(current.length > 0, 'the entries of the step shown are highlighted');
  current.forEach(function (tr) { check(tr.dataset.step === '0', 'a highlighted entry of step 0'); });
  slider.value = slider.max;
  slider.dispatchEvent(new Event('input'));
  check(cid.textContent === endText, 'back at the end, the end state again');
  notes.push('PspCidTable ' + bootRows + ' entries after boot, ' + endRows + ' at the end');

  const errors = window.__probeErrors || [];
  check(errors.length === 0, 'console errors: ' + errors.join(' | '));
  document.documentElement.setAttribute('data-probe', failures.length === 0
      ? 'PASS ' + notes.join(', ')
      : 'FAIL: ' + failures.join('; '));
})();
