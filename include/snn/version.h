/*
 * The library's version.
 * Public layer (IR level): declares one function, includes only visibility.h;
 * snn.h includes it, so code that includes snn.h keeps snn_version.
 */
#ifndef SNN_VERSION_H
#define SNN_VERSION_H

#include "snn/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version ("0.1.0"), a static string. */
SNN_API const char *snn_version(void);

#ifdef __cplusplus
}
#endif

#endif
