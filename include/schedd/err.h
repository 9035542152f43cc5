/* err.h: the one error convention: functions return 0 or -1 and fill a caller's struct err. */
#ifndef SCHEDD_ERR_H
#define SCHEDD_ERR_H

struct err {
	char	msg[256];	/* one line, no trailing newline */
};

/* Format a message into e (printf rules); e may be NULL. */
void	err_set(struct err *e, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
