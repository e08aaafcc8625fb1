/* The gauntlet presets (share/ktstr/presets.json), as upstream's 24 x86_64 ones. */
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "ktstr-topo.h"
#include "paths.h"

/* One entry {"name","topo","memory_mb"} into p; dies naming file, index, field. */
static void preset_parse(const char *path, size_t i, json_t *e, struct preset *p)
{
	json_t *name = json_object_get(e, "name"), *topo = json_object_get(e, "topo");
	json_t *mem = json_object_get(e, "memory_mb");
	char err[200];

	if (!json_is_object(e))
		die(EXIT_USAGE, "%s: .[%zu]: expected an object", path, i);
	if (!json_is_string(name) || !json_string_length(name))
		die(EXIT_USAGE, "%s: .[%zu].name: expected a non-empty string", path, i);
	if (!json_is_string(topo))
		die(EXIT_USAGE, "%s: .[%zu].topo (%s): expected a string", path, i,
		    json_string_value(name));
	if (topo_parse(json_string_value(topo), &p->topo, err, sizeof(err)) < 0)
		die(EXIT_USAGE, "%s: .[%zu].topo (%s): %s", path, i,
		    json_string_value(name), err);
	if (mem) {
		if (!json_is_integer(mem) || json_integer_value(mem) < 1 ||
		    topo_check_memory_mb(&p->topo, (unsigned long long)json_integer_value(mem),
					 err, sizeof(err)) < 0)
			die(EXIT_USAGE, "%s: .[%zu].memory_mb (%s): %s", path, i,
			    json_string_value(name),
			    json_is_integer(mem) && json_integer_value(mem) >= 1 ? err
				: "expected a positive integer");
		p->topo.memory_mb = (unsigned)json_integer_value(mem);
	}
	p->name = xstrdup(json_string_value(name));
}

struct preset *presets_load(size_t *count)
{
	char *dir = paths_share_dir(), *path = paths_join(dir, "presets.json");
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	struct preset *p;
	size_t n;

	if (!root)
		die(EXIT_USAGE, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
	if (!json_is_array(root) || json_array_size(root) == 0)
		die(EXIT_USAGE, "%s: expected a non-empty array of presets", path);
	n = json_array_size(root);
	p = xcalloc(n, sizeof(*p));
	for (size_t i = 0; i < n; i++) {
		preset_parse(path, i, json_array_get(root, i), &p[i]);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p[j].name, p[i].name))
				die(EXIT_USAGE, "%s: .[%zu].name: \"%s\" appears twice",
				    path, i, p[i].name);
	}
	json_decref(root);
	free(path);
	free(dir);
	*count = n;
	return p;
}

void presets_free(struct preset *p, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(p[i].name);
	free(p);
}

bool presets_find(const char *name, struct topo *t)
{
	size_t np, i;
	struct preset *p = presets_load(&np);

	for (i = 0; i < np && strcmp(p[i].name, name); i++)
		;
	if (i < np)
		*t = p[i].topo;
	presets_free(p, np);
	return i < np;
}
