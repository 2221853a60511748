/*
 * Symbol visibility of libsnn: the shared library exports only what is marked
 * SNN_API; everything else is built with -fvisibility=hidden.
 */
#ifndef SNN_VISIBILITY_H
#define SNN_VISIBILITY_H

#if defined(__GNUC__) && !defined(SNN_STATIC_BUILD)
#define SNN_API __attribute__((visibility("default")))
#else
#define SNN_API
#endif

#endif
