/* err.c: filling a caller's error buffer. */
#include <stdarg.h>
#include <stdio.h>

#include "schedd/err.h"

static void	err_format(struct err *, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

static void
err_format(struct err *e, int code, const char *fmt, va_list ap)
{
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	e->code = code;
}

void
err_set(struct err *e, const char *fmt, ...)
{
	va_list	ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	err_format(e, 0, fmt, ap);
	va_end(ap);
}

void
err_set_code(struct err *e, int code, const char *fmt, ...)
{
	va_list	ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	err_format(e, code, fmt, ap);
	va_end(ap);
}
