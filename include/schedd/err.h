/* err.h: the one error convention: functions return 0 or -1 and fill a caller's struct err. */
#ifndef SCHEDD_ERR_H
#define SCHEDD_ERR_H

struct err {
	char	msg[256];	/* one line, no trailing newline */
	int	code;		/* a sysexits.h code saying what kind of failure, 0 if not said */
};

/* Format a message into e (printf rules) with code 0; e may be NULL. */
void	err_set(struct err *e, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* The same, with a sysexits.h code (EX_DATAERR, EX_TEMPFAIL, ...). */
void	err_set_code(struct err *e, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
