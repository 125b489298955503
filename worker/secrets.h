/*
 * secrets.h — worker configuration from AWS Secrets Manager.
 */
#ifndef SESAMI_WORKER_SECRETS_H
#define SESAMI_WORKER_SECRETS_H

#include <stddef.h>

int			load_secret_config(char *err, size_t errlen);

#endif
