/*
 * ktstr-topo scenarios: the canned scenarios and the catalog, with what
 * each provokes and what it needs of a topology and a scheduler.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "opterr.h"
#include "ktstr-topo.h"
#include "ndjson.h"
#include "plan.h"

static const char usage[] =
"usage: ktstr-topo scenarios [--scenarios SET] [--category C] [--json|--names] [NAME...]\n"
"\n"
"The scenarios (default: canned and catalog, or the NAMEs), each checked as\n"
"the guest reads it: a line each with name, category, needs and description;\n"
"--json a record each ({type: scenario, name, category, description, requires,\n"
"flags, file}); --names the names only, one a line.\n"
"\n"
"  --scenarios SET   canned, catalog, all (default: both) or bench\n"
"  --category C      only those of category C\n"
"\n"
"Exit: 0 listed, 2 bad arguments or a malformed scenario file.\n";

static json_t *names_json(char *const *names, unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < n; i++)
		json_array_append_new(a, json_string(names[i]));
	return a;
}

static json_t *record(const struct scenfile *f)
{
	const struct requires *r = &f->model.req;
	json_t *req = json_object(), *rec;
	char *file = realpath(f->file, NULL);

	if (r->min_cpus)
		json_object_set_new(req, "min_cpus", json_integer(r->min_cpus));
	if (r->min_llcs)
		json_object_set_new(req, "min_llcs", json_integer(r->min_llcs));
	if (r->min_numa)
		json_object_set_new(req, "min_numa", json_integer(r->min_numa));
	if (r->smt)
		json_object_set_new(req, "smt", json_true());
	rec = json_pack("{s:s, s:s, s:s, s:s, s:o, s:{s:o, s:o}, s:s}", "type", "scenario",
			 "name", f->name, "category", f->model.category,
			 "description", f->model.description, "requires", req,
			 "flags", "requires", names_json(f->model.flags_need, f->model.nflags_need),
			 "excludes", names_json(f->model.flags_excl, f->model.nflags_excl),
			 "file", file ? file : f->file);
	free(file);
	return rec;
}

/* "cpus>=4 llcs>=2 +llc -reject-pin", or "-" when it needs nothing. */
static void needs(const struct scenfile *f, char *buf, size_t len)
{
	const struct scenario *m = &f->model;
	size_t off = 0;

#define ADD(...) (off += (size_t)snprintf(buf + off, off < len ? len - off : 0, __VA_ARGS__))
	if (m->req.min_cpus)
		ADD("%scpus>=%u", off ? " " : "", m->req.min_cpus);
	if (m->req.min_llcs)
		ADD("%sllcs>=%u", off ? " " : "", m->req.min_llcs);
	if (m->req.min_numa)
		ADD("%snuma>=%u", off ? " " : "", m->req.min_numa);
	if (m->req.smt)
		ADD("%ssmt", off ? " " : "");
	for (unsigned i = 0; i < m->nflags_need; i++)
		ADD("%s+%s", off ? " " : "", m->flags_need[i]);
	for (unsigned i = 0; i < m->nflags_excl; i++)
		ADD("%s-%s", off ? " " : "", m->flags_excl[i]);
#undef ADD
	if (!off)
		snprintf(buf, len, "-");
}

int scenlist_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "scenarios", required_argument, NULL, 's' },
		{ "category", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "names", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *set = "all", *category = NULL;
	int c, mode = 't';
	struct scenfile *s;
	size_t n;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case 'h': usage_exit(usage);
		case 's':
			if (strcmp(optarg, "canned") && strcmp(optarg, "catalog") && strcmp(optarg, "all") &&
			    strcmp(optarg, "bench"))
				die(EXIT_USAGE, "--scenarios '%s': expected canned, catalog, all or bench", optarg);
			set = optarg;
			break;
		case 'c': category = optarg; break;
		case 'j': case 'n':
			if (mode != 't' && mode != c)
				die(EXIT_USAGE, "scenarios: give --json or --names, not both");
			mode = c;
			break;
		default: die_option(c, argv, lo, "scenarios");
		}
	}
	s = scenfiles_select(argv + optind, (size_t)(argc - optind), set, category, &n);
	for (size_t i = 0; i < n; i++) {
		char buf[512];

		if (mode == 'j') {
			json_t *r = record(&s[i]);

			ndjson_write(stdout, r);
			json_decref(r);
		} else if (mode == 'n') {
			printf("%s\n", s[i].name);
		} else {
			needs(&s[i], buf, sizeof(buf));
			printf("%-42s %-12s %-24s %s\n", s[i].name, *s[i].model.category ?
			       s[i].model.category : "-", buf, s[i].model.description);
		}
		scenfile_free(&s[i]);
	}
	free(s);
	if (fflush(stdout) == EOF || ferror(stdout))
		die(EXIT_USAGE, "stdout: write error");
	return EXIT_PASS;
}
