/* Plain ids: no '/', no shell or path specials, no hidden or option-like names. */
#include <string.h>

#include "ids.h"

const char *id_problem(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0)
		return "is empty";
	if (n > max)
		return max == JOB_ID_MAX ? "is longer than 128 characters"
					 : "is longer than 63 characters";
	if (s[0] == '.' || s[0] == '-')
		return "must not start with '.' or '-'";
	/* `show latest` and the others take it for the newest run */
	if (max == RUN_ID_MAX && !strcmp(s, "latest"))
		return "must not be 'latest' (the name of the newest run)";
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-") != n)
		return "may hold only letters, digits, '.', '_', '+' and '-'";
	return NULL;
}
