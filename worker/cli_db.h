/*
 * cli_db.h — entry points of the database-backed modes for main.c.
 */
#ifndef SESAMI_WORKER_CLI_DB_H
#define SESAMI_WORKER_CLI_DB_H

#include <stdbool.h>

bool		is_database_mode(const char *cmd);
int			cmd_database_mode(int argc, char **argv);

#endif
