/*
 * secrets.c — worker configuration from AWS Secrets Manager.
 *
 * When SESAMI_SECRET_ARN names a secret, the worker calls GetSecretValue (the
 * AWS JSON 1.1 protocol, signed with the same SigV4 and credential chain as
 * SQS: common/sqs.c's aws_json_call) before it reads its configuration.  The
 * secret's SecretString must be a JSON object of strings, e.g.
 *   {"DATABASE_URL": "host=... password=...", "SESAMI_WORKER_PRIVATE_KEY": "..."}
 * Each key made of A-Z, 0-9 and _ that is not already set in the environment
 * is exported; the environment wins, so an operator can override one value.
 * Values are never logged.  The endpoint is AWS_ENDPOINT_URL_SECRETS_MANAGER,
 * or https://secretsmanager.REGION.amazonaws.com/.
 */
#include "secrets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "aws_credentials.h"
#include "seal.h"
#include "sqs.h"

/* True if name is a plausible environment variable name. */
static int
valid_name(const char *name)
{
	if (name == NULL || *name == '\0' || strlen(name) > 128)
		return 0;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
			return 0;
	return 1;
}

/*
 * Load SESAMI_SECRET_ARN into the environment.  Returns the number of
 * variables set (0 when no secret is configured), or -1 with err set.
 */
int
load_secret_config(char *err, size_t errlen)
{
	const char *arn = getenv("SESAMI_SECRET_ARN");
	const char *region = getenv("AWS_REGION") ? getenv("AWS_REGION") : getenv("AWS_DEFAULT_REGION");
	const char *endpoint = getenv("AWS_ENDPOINT_URL_SECRETS_MANAGER");
	char		url[512];
	aws_credentials_options copts;
	aws_credentials_provider *creds;
	sqs_client_options opts;
	sqs_client *client;
	sqs_error	e;
	json_object *body,
			   *reply = NULL,
			   *str,
			   *doc;
	int			set = 0;

	if (arn == NULL || *arn == '\0')
		return 0;
	if (region == NULL || *region == '\0')
	{
		snprintf(err, errlen, "SESAMI_SECRET_ARN is set but AWS_REGION is not");
		return -1;
	}
	if (endpoint == NULL || *endpoint == '\0')
	{
		snprintf(url, sizeof(url), "https://secretsmanager.%s.amazonaws.com/", region);
		endpoint = url;
	}
	memset(&copts, 0, sizeof(copts));
	creds = aws_credentials_provider_new(&copts, err, errlen);
	if (creds == NULL)
		return -1;
	memset(&opts, 0, sizeof(opts));
	opts.region = region;
	opts.endpoint_url = endpoint;
	opts.credentials = creds;
	client = sqs_client_new(&opts, err, errlen);
	if (client == NULL)
	{
		aws_credentials_provider_free(creds);
		return -1;
	}

	body = json_object_new_object();
	json_object_object_add(body, "SecretId", json_object_new_string(arn));
	if (aws_json_call(client, "secretsmanager", "secretsmanager", "application/x-amz-json-1.1",
					  "GetSecretValue", body, &reply, &e) != AWS_OK)
	{
		snprintf(err, errlen, "could not read the secret: %s", e.message);
		set = -1;
	}
	else if (!json_object_object_get_ex(reply, "SecretString", &str) ||
			 !json_object_is_type(str, json_type_string) ||
			 (doc = json_tokener_parse(json_object_get_string(str))) == NULL)
	{
		snprintf(err, errlen, "the secret's SecretString is not a JSON object");
		set = -1;
	}
	else
	{
		if (!json_object_is_type(doc, json_type_object))
		{
			snprintf(err, errlen, "the secret's SecretString is not a JSON object");
			set = -1;
		}
		else
		{
			json_object_object_foreach(doc, key, val)
			{
				if (!valid_name(key) || !json_object_is_type(val, json_type_string) || getenv(key))
					continue;
				if (setenv(key, json_object_get_string(val), 0) == 0)
					set++;
			}
		}
		json_object_put(doc);
	}
	/* the reply held secrets: wipe its string before freeing it */
	if (reply && json_object_object_get_ex(reply, "SecretString", &str) &&
		json_object_is_type(str, json_type_string))
		sesami_seal_wipe((void *) json_object_get_string(str), json_object_get_string_len(str));
	json_object_put(reply);
	sqs_client_free(client);
	aws_credentials_provider_free(creds);
	return set;
}
