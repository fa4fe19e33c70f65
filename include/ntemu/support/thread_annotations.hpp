// SPDX-License-Identifier: MIT
/// \file
/// Clang thread-safety annotations (`-Wthread-safety`). They expand to nothing on other
/// compilers, so GCC builds see plain code; the `thread-safety` preset checks them.
///
/// Convention: a member protected by a lock is declared `NTEMU_GUARDED_BY(lock_)`; a function
/// that must be called with the lock held is named `...Locked()` / `..._locked()` and declared
/// `NTEMU_REQUIRES(lock_)`.
#pragma once

#if defined(__clang__)
#define NTEMU_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define NTEMU_THREAD_ANNOTATION(x)
#endif

#define NTEMU_CAPABILITY(x) NTEMU_THREAD_ANNOTATION(capability(x))
#define NTEMU_SCOPED_CAPABILITY NTEMU_THREAD_ANNOTATION(scoped_lockable)
#define NTEMU_GUARDED_BY(x) NTEMU_THREAD_ANNOTATION(guarded_by(x))
#define NTEMU_PT_GUARDED_BY(x) NTEMU_THREAD_ANNOTATION(pt_guarded_by(x))
#define NTEMU_ACQUIRED_BEFORE(...) NTEMU_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define NTEMU_ACQUIRED_AFTER(...) NTEMU_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define NTEMU_REQUIRES(...) NTEMU_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define NTEMU_REQUIRES_SHARED(...) NTEMU_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define NTEMU_ACQUIRE(...) NTEMU_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define NTEMU_ACQUIRE_SHARED(...) NTEMU_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define NTEMU_RELEASE(...) NTEMU_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define NTEMU_RELEASE_SHARED(...) NTEMU_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define NTEMU_TRY_ACQUIRE(...) NTEMU_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define NTEMU_EXCLUDES(...) NTEMU_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define NTEMU_ASSERT_CAPABILITY(x) NTEMU_THREAD_ANNOTATION(assert_capability(x))
#define NTEMU_RETURN_CAPABILITY(x) NTEMU_THREAD_ANNOTATION(lock_returned(x))
#define NTEMU_NO_THREAD_SAFETY_ANALYSIS NTEMU_THREAD_ANNOTATION(no_thread_safety_analysis)
