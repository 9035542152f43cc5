/* schema.h: the migrations of schema/NNN_*.sql, embedded at build time (see schema/embed.cmake). */
#ifndef SCHEDD_SCHEMA_H
#define SCHEDD_SCHEMA_H

struct schema_migration {
	int		 version;	/* NNN of the file name; PRAGMA user_version after it */
	const char	*file;		/* "001_init.sql" */
	const char	*sql;		/* its text */
};

extern const struct schema_migration	schema_migrations[];
extern const int			schema_migration_count;

#endif
