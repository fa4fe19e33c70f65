// SPDX-License-Identifier: MIT
// The HTML report's style sheet and script. The script draws a section's state when its slider
// moves, from the section's JSON: PspCidTable's entries, the notify arrays' occupied slots (with
// the EX_FAST_REF and rundown words under EX_CALLBACK storage), the processes; it marks the
// timeline entries of the step shown, and moves the slider to an entry that is opened. It uses
// no library and touches nothing outside the page.
#include "html_assets.hpp"

namespace ntemu::viz::assets {

const std::string_view kReportCss = R"css(
:root { --ink: #1d2733; --muted: #66727f; --line: #d5dbe1; --head: #eef2f6; --hi: #fff4c2;
        --bad: #c0392b; --warn: #d35400; --cpu1: #f3ecfa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 "DejaVu Sans", "Segoe UI", sans-serif; color: var(--ink); }
header { padding: 12px 20px; background: #1f3a56; color: #fff; }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 4px 0 0; color: #c9d6e3; }
section.run { padding: 8px 20px 24px; border-bottom: 1px solid var(--line); }
h2 { font-size: 17px; margin: 10px 0 2px; }
h3 { font-size: 14px; margin: 14px 0 4px; }
.summary, .truncated { margin: 0 0 8px; color: var(--muted); }
.truncated { color: var(--warn); }
.layout { display: flex; gap: 18px; align-items: flex-start; }
.state { flex: 0 0 46%; position: sticky; top: 0; max-height: 100vh; overflow: auto;
         padding-bottom: 8px; }
.timeline-box { flex: 1 1 auto; min-width: 0; }
.stepper { display: flex; gap: 8px; align-items: center; font-weight: bold; }
.slider { flex: 1; }
.step-label { margin: 4px 0; font-family: "DejaVu Sans Mono", monospace; font-size: 12px;
              background: var(--head); padding: 4px 6px; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid var(--line); padding: 2px 6px; text-align: left; vertical-align: top; }
thead th { background: var(--head); }
table.cid td, table.slot td, table.processes td { font-family: "DejaVu Sans Mono", monospace;
  font-size: 12px; }
tr.dangling td { background: #f6d5d1; color: var(--bad); }
tr.stale td { background: #fae5d3; color: var(--warn); }
.array { margin-bottom: 8px; }
.array .title { font-weight: bold; }
.empty { color: var(--muted); font-style: italic; }
.lost { color: var(--bad); }
.down { color: var(--bad); font-weight: bold; }
table.timeline td { font-size: 12px; }
table.timeline td.seq { width: 3.5em; color: var(--muted); text-align: right; }
tr.event.cpu1 td:not(.seq) { background: var(--cpu1); }
tr.event.current td { background: var(--hi); }
tr.ev-statement summary { font-weight: bold; }
tr.ev-finding summary, tr.ev-bugcheck summary { color: var(--bad); }
tr.ev-notify .name { color: #6c3483; }
tr.ev-cid .name { color: #1f618d; }
tr.ev-call .name { color: #1e8449; }
summary { cursor: pointer; font-family: "DejaVu Sans Mono", monospace; white-space: pre-wrap;
          word-break: break-word; }
summary .name { font-weight: bold; }
.detail { padding: 4px 0 6px 16px; }
.detail .label { color: var(--muted); font-size: 11px; }
pre.stack { margin: 2px 0 6px; padding: 4px 6px; background: #f7f9fb; border: 1px solid var(--line);
            font-size: 12px; overflow-x: auto; }
.nostack { margin: 2px 0 6px; color: var(--muted); font-style: italic; }
table.fields th { width: 9em; font-weight: normal; color: var(--muted); }
table.fields td { font-family: "DejaVu Sans Mono", monospace; word-break: break-all; }
)css";

const std::string_view kReportJs = R"js(
(function () {
  'use strict';
  function cell(row, text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
  }
  function rows(tbody, list, fill) {
    tbody.replaceChildren();
    list.forEach(function (item) {
      const tr = document.createElement('tr');
      fill(tr, item);
      tbody.appendChild(tr);
    });
  }
  function drawArrays(box, state) {
    box.replaceChildren();
    state.arrays.forEach(function (a) {
      const div = document.createElement('div');
      div.className = 'array';
      const title = document.createElement('div');
      title.className = 'title';
      title.textContent = a.name + ': ' + a.size + ' slots, ' +
          (a.ex ? 'EX_CALLBACK' : 'plain') + ', Count ' + a.count;
      div.appendChild(title);
      if (a.slots.length === 0) {
        const empty = document.createElement('div');
        empty.className = 'empty';
        empty.textContent = 'every slot empty';
        div.appendChild(empty);
      } else {
        const table = document.createElement('table');
        table.className = 'slot';
        const head = document.createElement('tr');
        (a.ex ? ['slot', 'routine', 'EX_FAST_REF', 'block', 'cached', 'RundownProtect']
              : ['slot', 'routine']).forEach(function (h) {
          const th = document.createElement('th');
          th.textContent = h;
          head.appendChild(th);
        });
        table.appendChild(head);
        a.slots.forEach(function (s) {
          const tr = document.createElement('tr');
          s.forEach(function (v) { cell(tr, String(v)); });
          table.appendChild(tr);
        });
        div.appendChild(table);
      }
      box.appendChild(div);
    });
    state.lost.forEach(function (b) {
      const div = document.createElement('div');
      div.className = 'lost';
      div.textContent = 'lost EX_CALLBACK block ' + b[0] + ' (' + b[1] +
          '): no slot names it, never freed';
      box.appendChild(div);
    });
  }
  function show(run, data, index) {
    const step = data.steps[index];
    const label = run.querySelector('.step-label');
    if (!step) {
      label.textContent = 'no state recorded';
      return;
    }
    const state = data.states[step.state];
    label.textContent = 'step ' + index + ' of ' + (data.steps.length - 1) + ': ' + step.label +
        (state.down ? '  (the machine is down)' : '');
    label.classList.toggle('down', state.down);
    const cid = run.querySelector('table.cid tbody');
    rows(cid, state.cid, function (tr, e) {
      e.forEach(function (v) { cell(tr, v); });
      if (e[4] === 'dangling') tr.className = 'dangling';
      else if (e[4].indexOf('stale') === 0) tr.className = 'stale';
    });
    if (state.cid.length === 0) {
      rows(cid, [0], function (tr) { cell(tr, '(empty)', 'empty'); });
    }
    drawArrays(run.querySelector('.slots'), state);
    rows(run.querySelector('table.processes tbody'), state.processes, function (tr, p) {
      p.forEach(function (v) { cell(tr, v); });
    });
    run.querySelectorAll('tr.event').forEach(function (tr) {
      tr.classList.toggle('current', Number(tr.dataset.step) === index);
    });
  }
  document.querySelectorAll('section.run').forEach(function (run) {
    const data = JSON.parse(run.querySelector('script.run-data').textContent);
    const slider = run.querySelector('input.slider');
    slider.addEventListener('input', function () { show(run, data, Number(slider.value)); });
    run.querySelectorAll('tr.event details').forEach(function (d) {
      d.addEventListener('toggle', function () {
        if (!d.open) return;
        const step = Number(d.closest('tr').dataset.step);
        if (step !== Number(slider.value)) {
          slider.value = String(step);
          show(run, data, step);
        }
      });
    });
    show(run, data, Number(slider.value));
  });
})();
)js";

}  // namespace ntemu::viz::assets
