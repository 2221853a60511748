/*
 * The one rule from a libsnn status to a tool's exit code.
 * Layer: sim core (libsnn). Pure function; prints nothing.
 */
#include "config.h"

#include "snn/error.h"

int snn_exit_status(int rc)
{
	switch (rc) {
	case SNN_OK:
		return SNN_EXIT_OK;
	case SNN_EINVAL:
	case SNN_EPARSE:
	case SNN_ERANGE:
	case SNN_EUNSUP:
		return SNN_EXIT_BAD_INPUT;
	default:
		/* ENOMEM, EIO, EINTR, EDEVICE and anything unknown */
		return SNN_EXIT_RUN_FAILED;
	}
}
