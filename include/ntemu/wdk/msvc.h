/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/msvc.h: the Microsoft C syntax drivers are written in, mapped onto what GCC and
 * clang accept: __declspec(...), __forceinline, __int64 and friends, __try / __except /
 * __finally / __leave, __annotation, __noop, __debugbreak, and the WDK's DECLSPEC_* macros.
 * Part of <ntemu/wdk.h> (through ntdef.h).
 *
 * Structured exception handling: the model raises no structured exception (an access violation
 * in driver code is a host crash, not an exception), so an __except block never runs and its
 * filter is never evaluated; __try and __finally blocks run in order, and __leave jumps to the
 * end of the __try block (a label local to it). `break` and `continue` inside a __try block
 * keep their meaning for the loop around it, as with MSVC.
 *
 * In C++ these macros are defined only for driver code (NTEMU_DRIVER, defined by
 * ntemu_add_driver and by the driver_cflags of ntemu-wdk.pc): the C++ standard library uses
 * __try itself, so a test's sources, which include standard headers, never see them. A C++
 * driver source must include no standard C++ header after <ntemu/wdk.h>.
 *
 * `"text" __FUNCTION__ "text"` (MSVC makes __FUNCTION__ a string literal) compiles with neither
 * GCC 12 nor clang 14 (clang's -fms-extensions does not cover it either). With
 * NTEMU_FUNCTION_LITERAL defined (ntemu_add_driver's FUNCTION_LITERAL option) __FUNCTION__
 * becomes the literal "file.c:LINE" instead, so such code compiles, at the cost of the
 * function's name everywhere __FUNCTION__ is used.
 */
#ifndef NTEMU_WDK_MSVC_H
#define NTEMU_WDK_MSVC_H

#if !defined(__cplusplus) || defined(NTEMU_DRIVER)

/* __declspec(x): each MSVC attribute a driver may give, by name. */
#ifndef __declspec
#define __declspec(x) NTEMU_DECLSPEC_##x
#endif
#define NTEMU_DECLSPEC_align(n) __attribute__((__aligned__(n)))
#define NTEMU_DECLSPEC_noinline __attribute__((__noinline__))
#define NTEMU_DECLSPEC_noreturn __attribute__((__noreturn__))
#define NTEMU_DECLSPEC_nothrow
#define NTEMU_DECLSPEC_noalias
#define NTEMU_DECLSPEC_restrict
#define NTEMU_DECLSPEC_novtable
#define NTEMU_DECLSPEC_selectany __attribute__((__weak__))
#define NTEMU_DECLSPEC_dllimport
#define NTEMU_DECLSPEC_dllexport
#define NTEMU_DECLSPEC_naked
#define NTEMU_DECLSPEC_deprecated __attribute__((__deprecated__))
#define NTEMU_DECLSPEC_thread __thread
#define NTEMU_DECLSPEC_code_seg(...)
#define NTEMU_DECLSPEC_allocate(...)
#define NTEMU_DECLSPEC_uuid(...)
#define NTEMU_DECLSPEC_guard(...)
#define NTEMU_DECLSPEC_safebuffers
#define NTEMU_DECLSPEC_property(...)
#define NTEMU_DECLSPEC_empty_bases
#define NTEMU_DECLSPEC_intrin_type

#ifndef __forceinline
#define __forceinline __inline__ __attribute__((__always_inline__))
#endif

/* Structured exception handling (see above). clang-format would take __except for the
 * keyword and split its parameter list. */
/* clang-format off */
#undef __try
#undef __except
#undef __finally
#undef __leave
#define __try { __label__ ntemu_seh_leave; if (1)
#define __except(filter) ntemu_seh_leave: __attribute__((__unused__)); } if (0)
#define __finally ntemu_seh_leave: __attribute__((__unused__)); }
#define __leave goto ntemu_seh_leave
/* clang-format on */
#define _try __try
#define _except __except
#define _finally __finally
#define _leave __leave
#define GetExceptionCode() ((NTSTATUS)0xC0000005L)
#define GetExceptionInformation() ((struct _EXCEPTION_POINTERS*)0)
#define _exception_code() GetExceptionCode()
#define _exception_info() GetExceptionInformation()
#define AbnormalTermination() 0
#define _abnormal_termination() 0

#ifdef NTEMU_FUNCTION_LITERAL
#define NTEMU_WDK_STR2(x) #x
#define NTEMU_WDK_STR(x) NTEMU_WDK_STR2(x)
#define __FUNCTION__ __FILE__ ":" NTEMU_WDK_STR(__LINE__)
#endif

#endif /* C, or C++ driver code */

/* Safe for every translation unit. */
#define EXCEPTION_EXECUTE_HANDLER 1
#define EXCEPTION_CONTINUE_SEARCH 0
#define EXCEPTION_CONTINUE_EXECUTION (-1)

#ifndef __int8
#define __int8 char
#endif
#ifndef __int16
#define __int16 short
#endif
#ifndef __int32
#define __int32 int
#endif
#ifndef __int64
#define __int64 long long
#endif
#define __ptr32
#define __ptr64
#ifndef __unaligned
#define __unaligned
#endif
#ifndef UNALIGNED
#define UNALIGNED
#endif
#ifndef UNALIGNED64
#define UNALIGNED64
#endif
#define __noop(...) ((void)0)
#define __annotation(...) ((void)0)
#define __debugbreak() DbgBreakPoint()
#define __assume(e) ((void)0)
#define _ReturnAddress() __builtin_return_address(0)

#define DECLSPEC_ALIGN(n) __attribute__((__aligned__(n)))
#define DECLSPEC_CACHEALIGN DECLSPEC_ALIGN(64)
#define DECLSPEC_NOINLINE __attribute__((__noinline__))
#define DECLSPEC_NORETURN __attribute__((__noreturn__))
#define DECLSPEC_NOTHROW
#define DECLSPEC_NOVTABLE
#define DECLSPEC_SELECTANY __attribute__((__weak__))
#define DECLSPEC_DEPRECATED __attribute__((__deprecated__))
#define DECLSPEC_DEPRECATED_DDK
#define DECLSPEC_EXPORT
#define DECLSPEC_UUID(x)
#define DECLSPEC_GUARDNOCF
#define DECLSPEC_GUARD_SUPPRESS
#define DECLSPEC_RESTRICT
#define DECLSPEC_NOALIAS
#define DECLSPEC_SAFEBUFFERS
#define DECLSPEC_ADDRSAFE
#ifdef __cplusplus
#define DECLSPEC_NOINITALL
#else
#define DECLSPEC_NOINITALL
#endif
#define POINTER_ALIGNMENT DECLSPEC_ALIGN(8)
#define NTAPI_INLINE
#define NTSYSCALLAPI
#define NTHALAPI
#define CALLBACK
#define WINAPI
#define APIENTRY
#define WINAPIV
#define STDMETHODCALLTYPE
#define PASCAL
#define CONST const
#define ALLOC_PRAGMA 1
#define ALLOC_DATA_PRAGMA 1

#endif /* NTEMU_WDK_MSVC_H */
