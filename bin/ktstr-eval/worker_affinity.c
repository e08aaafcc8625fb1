/* Worker affinities as the scenario gives them, folded per cgroup. */
#include <string.h>

#include "judge.h"
#include "worker_affinity.h"

/* Fold one affinity spec (NULL: none given, i.e. inherit) into what is known so far. */
static void aff_fold(json_t *spec, struct aff_state *a)
{
	const char *s = spec ? json_string_value(spec) : "inherit";
	enum aff_known now = AFF_FIXED;
	struct cpuset list;
	char err[128];

	cpuset_zero(&list);
	if (!s || !strcmp(s, "random_subset"))
		now = AFF_VARIES;
	else if (!strcmp(s, "inherit") || !strcmp(s, "cross_cgroup"))
		now = AFF_POOL;
	else if (!strncmp(s, "exact:", 6) && !cpulist_parse(s + 6, &list, err, sizeof(err)))
		now = AFF_EXACT;
	if (!a->seen) {
		*a = (struct aff_state){ .kind = now, .seen = true, .exact = list };
		return;
	}
	if (a->kind == AFF_VARIES || now == AFF_VARIES)
		a->kind = AFF_VARIES;
	else if (a->kind != now || (now == AFF_EXACT && memcmp(&list, &a->exact, sizeof(list))))
		a->kind = AFF_FIXED;
}

/* Affinities of the worker groups that the definitions in defs give cgroup cg. */
static void aff_from_defs(json_t *defs, const char *cg, struct aff_state *a)
{
	json_t *d, *groups, *g;
	size_t i, j;

	json_array_foreach(defs, i, d) {
		if (strcmp(rec_str(d, "name", ""), cg))
			continue;
		groups = json_object_get(d, "workers");
		if (!groups)	/* the default group */
			aff_fold(NULL, a);
		json_array_foreach(groups, j, g)
			aff_fold(json_object_get(g, "affinity"), a);
	}
}

/*
 * How the scenario pins cgroup cg's workers: its definitions' groups, spawn
 * and set_affinity ops, and those of the cgroups whose tasks move into it.
 * Each cgroup is folded in once: tasks moved back and forth between two
 * cgroups, step after step, would otherwise branch at every move.
 */
static void aff_walk(json_t *scen, const char *cg, struct aff_state *a, json_t *seen)
{
	json_t *st, *op;
	size_t i, j;

	if (json_object_get(seen, cg))
		return;
	json_object_set_new(seen, cg, json_true());
	aff_from_defs(json_object_get(scen, "cgroups"), cg, a);
	json_array_foreach(json_object_get(scen, "steps"), i, st) {
		aff_from_defs(json_object_get(st, "cgroups"), cg, a);
		json_array_foreach(json_object_get(st, "ops"), j, op) {
			const char *kind = rec_str(op, "op", "");
			bool here = !strcmp(rec_str(op, "cgroup", ""), cg);
			json_t *group = json_object_get(op, "workers");

			if ((!strcmp(kind, "spawn") && here) ||
			    (!strcmp(kind, "spawn_host") && !strcmp(cg, "/")))
				aff_fold(json_object_get(group, "affinity"), a);
			else if (!strcmp(kind, "set_affinity") && here)
				aff_fold(json_object_get(op, "affinity"), a);
			else if (!strcmp(kind, "move_all_tasks") && !strcmp(rec_str(op, "to", ""), cg))
				aff_walk(scen, rec_str(op, "from", ""), a, seen);
		}
	}
}

void aff_of_cgroup(json_t *scen, const char *cg, struct aff_state *a)
{
	json_t *seen = json_object();

	aff_walk(scen, cg, a, seen);
	json_decref(seen);
}

/* Is name a proper ancestor of cg ("cg_0" of "cg_0/sub")? */
static bool is_ancestor(const char *name, const char *cg)
{
	size_t len = strlen(name);

	return len && !strncmp(name, cg, len) && cg[len] == '/';
}

static bool defs_give_cpuset(json_t *defs, const char *cg)
{
	json_t *d;
	size_t i;

	json_array_foreach(defs, i, d)
		if (is_ancestor(rec_str(d, "name", ""), cg) && json_object_get(d, "cpuset"))
			return true;
	return false;
}

bool cpuset_from_ancestor(json_t *scen, const char *cg)
{
	json_t *st, *op;
	size_t i, j;

	if (defs_give_cpuset(json_object_get(scen, "cgroups"), cg))
		return true;
	json_array_foreach(json_object_get(scen, "steps"), i, st) {
		if (defs_give_cpuset(json_object_get(st, "cgroups"), cg))
			return true;
		json_array_foreach(json_object_get(st, "ops"), j, op)
			if (is_ancestor(rec_str(op, "cgroup", ""), cg) || is_ancestor(rec_str(op, "a", ""), cg) ||
			    is_ancestor(rec_str(op, "b", ""), cg))
				if (strstr(rec_str(op, "op", ""), "cpuset"))
					return true;
	}
	return false;
}

