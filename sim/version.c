/*
 * The library's version string.
 * Layer: sim core.
 */
#include "config.h"

#include "snn/version.h"

const char *snn_version(void)
{
	return PACKAGE_VERSION;
}
