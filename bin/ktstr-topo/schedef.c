/* Scheduler resolution: a definition's flags, profiles and job object. */
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "paths.h"
#include "plan.h"

/* Every sched_ext run counts its BPF programs' runs and time; every run counts schedstats. */
#define BPF_STATS "sysctl.kernel.bpf_stats_enabled=1"
#define SCHEDSTATS "schedstats=enable"
/* "all" enumerates every subset: more flags than this is not a gauntlet one can run. */
#define MAX_FLAGS 16

static bool exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Whether folder dir holds kernels/<some kernel>/bin: a program built per kernel. */
static bool built_per_kernel(const char *dir, const char *bin)
{
	char *pat = xmalloc(strlen(dir) + strlen(bin) + 12);
	glob_t g;
	bool any;

	sprintf(pat, "%s/kernels/*/%s", dir, bin);
	any = glob(pat, 0, NULL, &g) == 0 && g.gl_pathc > 0;
	globfree(&g);
	free(pat);
	return any;
}

/* Whether kid names a kernel of the cache (not one a test or a script made up). */
static bool cached_kernel(const char *kid)
{
	char *cache = paths_cache_dir(), *d = xmalloc(strlen(cache) + strlen(kid) + 10);
	bool yes;

	sprintf(d, "%s/kernels/%s", cache, kid);
	yes = is_dir(d);
	free(d);
	free(cache);
	return yes;
}

/*
 * Where the guest programs (scx-ktstr, ...) were built or installed: the
 * first of these folders that holds bin, else the first that exists. A
 * program compiled against each kernel's BTF (scx-ktstr) sits in
 * kernels/<kernel id>/ of the folder: the job's kernel's is taken, and for a
 * cached kernel one built only for other kernels is refused, since it would
 * not load.
 */
static char *guest_path(const char *bin, const char *kid, char **why)
{
	const char *env = getenv("KTSTR_GUEST_DIR"), *build = getenv("KTSTR_BUILD_DIR");
	/* build/bin -> build/guest; PREFIX/bin -> PREFIX/libexec/ktstr; another build dir's tools -> build/guest */
	static const char *const rel[] = { "../guest", "../libexec/ktstr", "../../build/guest" };
	char exe[PATH_MAX], real[PATH_MAX], *dirs[5] = { 0 }, *found = NULL, *first = NULL;
	char *other = NULL;	/* a folder with builds for other kernels only */
	size_t n = 0;
	ssize_t len;

	if (env && *env)
		dirs[n++] = xstrdup(env);
	if (build && *build)
		dirs[n++] = paths_join(build, "guest");
	if ((len = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[len] = '\0';
		*strrchr(exe, '/') = '\0';
		for (size_t i = 0; i < 3; i++)
			dirs[n++] = paths_join(exe, rel[i]);
	}
	for (size_t i = 0; i < n && !found; i++) {
		char *p, *kp = NULL;

		if (!realpath(dirs[i], real) || !is_dir(real))
			continue;
		p = paths_join(real, bin);
		if (kid && *kid) {
			kp = xmalloc(strlen(real) + strlen(kid) + strlen(bin) + 12);
			sprintf(kp, "%s/kernels/%s/%s", real, kid, bin);
		}
		if (kp && exists(kp))
			found = xstrdup(kp);
		else if (kid && *kid && built_per_kernel(real, bin) && cached_kernel(kid))
			other = other ? other : xstrdup(real);
		else if (exists(p))
			found = xstrdup(p);
		if (!first)
			first = xstrdup(p);
		free(p);
		free(kp);
	}
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	if (!found && other) {
		*why = xmalloc(strlen(bin) + strlen(other) + 2 * strlen(kid) + 100);
		sprintf(*why, "%s is built in %s/kernels/ for other kernels, not for %s (make scx-ktstr KERNEL=%s)",
			bin, other, kid, kid);
	}
	free(other);
	if (found) {
		free(first);
		return found;
	}
	return first ? first : xstrdup(bin);
}

/*
 * The definition file of NAME: share/ktstr/schedulers, then the ones 'ktstr
 * sched build' made (cache/schedulers/<kernel id>/), the job's kernel's first.
 */
static char *def_file(const char *name, const char *kid)
{
	char *share = paths_share_dir(), *cache = paths_cache_dir(), *leaf, *f, *pat;
	glob_t g;

	leaf = xmalloc(strlen(name) + 6);
	sprintf(leaf, "%s.json", name);
	f = xmalloc(strlen(share) + strlen(cache) + strlen(leaf) + (kid ? strlen(kid) : 0) + 32);
	sprintf(f, "%s/schedulers/%s", share, leaf);
	if (!exists(f) && kid && *kid)
		sprintf(f, "%s/schedulers/%s/%s", cache, kid, leaf);
	if (!exists(f)) {
		free(f);
		f = NULL;
		pat = xmalloc(strlen(cache) + strlen(leaf) + 16);
		sprintf(pat, "%s/schedulers/*/%s", cache, leaf);
		if (glob(pat, 0, NULL, &g) == 0 && g.gl_pathc)
			f = xstrdup(g.gl_pathv[0]);
		globfree(&g);
		free(pat);
	}
	free(leaf);
	free(share);
	free(cache);
	return f;
}

static json_t *split_blanks(const char *s)
{
	json_t *a = json_array();

	while (s && *s) {
		size_t n;

		s += strspn(s, " \t\n");
		n = strcspn(s, " \t\n");
		if (n)
			json_array_append_new(a, json_stringn(s, n));
		s += n;
	}
	return a;
}

static bool is_string_array(json_t *a)
{
	size_t i;
	json_t *v;

	if (!json_is_array(a))
		return false;
	json_array_foreach(a, i, v)
		if (!json_is_string(v))
			return false;
	return true;
}

/* The flags of a definition: names in order; dies on a malformed entry. */
static void read_flags(struct sched *s)
{
	json_t *flags = json_object_get(s->def, "flags"), *f;
	size_t i;

	if (!flags)
		return;
	if (!json_is_array(flags))
		die(EXIT_USAGE, "scheduler definition %s: .flags: expected an array", s->def_path);
	if (json_array_size(flags) > MAX_FLAGS)
		die(EXIT_USAGE, "scheduler definition %s: .flags: more than %d", s->def_path, MAX_FLAGS);
	s->flag_names = xcalloc(json_array_size(flags) + 1, sizeof(char *));
	json_array_foreach(flags, i, f) {
		const char *name = json_string_value(json_object_get(f, "name"));
		json_t *args = json_object_get(f, "args"), *req = json_object_get(f, "requires");

		if (!name || !*name || strchr(name, ',') || strchr(name, '+'))
			die(EXIT_USAGE, "scheduler definition %s: .flags[%zu].name: expected a name without ',' or '+'",
			    s->def_path, i);
		if ((args && !is_string_array(args)) || (req && !is_string_array(req)))
			die(EXIT_USAGE, "scheduler definition %s: .flags[%zu] (%s): args and requires must be arrays of strings",
			    s->def_path, i, name);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(s->flag_names[j], name))
				die(EXIT_USAGE, "scheduler definition %s: flag %s appears twice", s->def_path, name);
		s->flag_names[s->nflags++] = xstrdup(name);
	}
}

/* "capabilities": the flags a scheduler always has (scenarios may require or exclude them). */
static void read_caps(struct sched *s, json_t *def, const char *path)
{
	json_t *caps = json_object_get(def, "capabilities"), *c;
	size_t i;

	if (!caps)
		return;
	if (!is_string_array(caps) || json_array_size(caps) > MAX_FLAGS)
		die(EXIT_USAGE, "scheduler definition %s: .capabilities: expected at most %d flag names",
		    path, MAX_FLAGS);
	s->caps = xcalloc(json_array_size(caps) + 1, sizeof(char *));
	json_array_foreach(caps, i, c)
		s->caps[s->ncaps++] = xstrdup(json_string_value(c));
}

static void resolve_binary(struct sched *s, const char *spec, const char *kid)
{
	const char *bin = json_string_value(json_object_get(s->def, "binary"));

	if (!bin)
		return;
	(void)spec;
	s->path = *bin == '/' ? xstrdup(bin) : guest_path(bin, kid, &s->other_kernels);
}

void sched_check_kernel(const struct sched *s)
{
	if (s->other_kernels)
		die(EXIT_USAGE, "%s", s->other_kernels);
}

void sched_check_binary(const struct sched *s)
{
	if (s->def && s->path && !exists(s->path))
		die(EXIT_USAGE, "scheduler %s: binary %s not built (run 'make')", s->name, s->path);
}

static void resolve_def(struct sched *s, const char *spec, const char *kid)
{
	const char *built_for;
	json_error_t jerr;
	const char *name, *topo;

	if (!(s->def_path = def_file(spec, kid))) {
		char *share = paths_share_dir();

		die(EXIT_USAGE, "unknown scheduler '%s' (see %s/schedulers/ or give a path)", spec, share);
	}
	s->def = json_load_file(s->def_path, JSON_REJECT_DUPLICATES, &jerr);
	if (!s->def || !json_is_object(s->def))
		die(EXIT_USAGE, "scheduler definition %s: not valid JSON%s%s", s->def_path,
		    s->def ? "" : ": ", s->def ? "" : jerr.text);
	name = json_string_value(json_object_get(s->def, "name"));
	s->name = xstrdup(name && *name ? name : spec);
	topo = json_string_value(json_object_get(s->def, "topology"));
	s->topology = topo ? xstrdup(topo) : NULL;
	read_flags(s);
	read_caps(s, s->def, s->def_path);
	built_for = json_string_value(json_object_get(s->def, "kernel"));
	if (kid && *kid && built_for && strcmp(built_for, kid))
		die(EXIT_USAGE, "scheduler %s is built for kernel %s, not %s ('ktstr sched build --kernel %s')",
		    s->name, built_for, kid, kid);
	resolve_binary(s, spec, kid);
}

/* eevdf starts nothing, but its definition (when there is one) says what it can do. */
static void eevdf_caps(struct sched *s)
{
	char *path = def_file("eevdf", NULL);
	json_t *def = path ? json_load_file(path, JSON_REJECT_DUPLICATES, NULL) : NULL;

	if (json_is_object(def))
		read_caps(s, def, path);
	json_decref(def);
	free(path);
}

void sched_resolve(struct sched *s, const char *spec, const char *extra, const char *kid)
{
	memset(s, 0, sizeof(*s));
	s->extra_args = split_blanks(extra);
	if (!strcmp(spec, "eevdf")) {
		if (json_array_size(s->extra_args))
			die(EXIT_USAGE, "eevdf is the kernel's own scheduler: it takes no --flags or --sched-args");
		s->name = xstrdup("eevdf");
		eevdf_caps(s);
		return;
	}
	if (strchr(spec, '/')) {
		char *b = xstrdup(spec), cwd[PATH_MAX];

		if (!exists(spec))
			die(EXIT_USAGE, "--scheduler %s: no such file", spec);
		if (access(spec, X_OK) < 0)
			die(EXIT_USAGE, "--scheduler %s: not executable", spec);
		s->name = xstrdup(basename(b));
		if (*spec == '/')
			s->path = xstrdup(spec);
		else if (getcwd(cwd, sizeof(cwd)))
			s->path = paths_join(cwd, spec[0] == '.' && spec[1] == '/' ? spec + 2 : spec);
		else
			die(EXIT_USAGE, "--scheduler %s: cannot tell the current folder", spec);
		free(b);
		return;
	}
	resolve_def(s, spec, kid);
}

static int flag_index(const struct sched *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->nflags; i++)
		if (strlen(s->flag_names[i]) == len && !strncmp(s->flag_names[i], name, len))
			return (int)i;
	return -1;
}

/* The flags that p's active flags require but p lacks, as "a requires b,c; ..." (empty: none). */
static void missing_requires(const struct sched *s, profile_t p, char *buf, size_t len)
{
	json_t *flags = json_object_get(s->def, "flags"), *f, *r;
	size_t i, j, off = 0;

	buf[0] = '\0';
	json_array_foreach(flags, i, f) {
		bool first = true;

		if (!(p & (1UL << i)))
			continue;
		json_array_foreach(json_object_get(f, "requires"), j, r) {
			const char *rn = json_string_value(r);
			int k = flag_index(s, rn, strlen(rn));

			if (k >= 0 && (p & (1UL << k)))
				continue;
			off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s%s",
						first ? (off ? "; " : "") : ",",
						first ? s->flag_names[i] : "", first ? " requires " : "");
			off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s", rn);
			first = false;
		}
	}
}

static void known_list(const struct sched *s, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->nflags; i++)
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s", i ? "," : "",
					s->flag_names[i]);
}

profile_t sched_flags(const struct sched *s, const char *flags)
{
	char known[512], miss[512];
	profile_t p = 0;

	if (!flags || !*flags)
		return 0;
	if (!strcmp(s->name, "eevdf") && !s->path)
		die(EXIT_USAGE, "eevdf is the kernel's own scheduler: it takes no --flags or --sched-args");
	if (!s->def)
		die(EXIT_USAGE, "--flags needs a scheduler definition, not a binary path");
	for (const char *f = flags; *f;) {
		size_t n = strcspn(f, ",");
		int k = n ? flag_index(s, f, n) : -2;

		if (k == -1) {
			known_list(s, known, sizeof(known));
			die(EXIT_USAGE, "--flags: unknown flag %.*s for %s (known: %s)", (int)n, f, s->name, known);
		}
		if (k >= 0)
			p |= 1UL << k;
		f += n + (f[n] == ',');
	}
	missing_requires(s, p, miss, sizeof(miss));
	if (*miss)
		die(EXIT_USAGE, "--flags: %s", miss);
	return p;
}

/* Fewest flags first, then by the flags' declaration order. */
static int profile_cmp(const void *a, const void *b)
{
	profile_t x = *(const profile_t *)a, y = *(const profile_t *)b;
	int cx = __builtin_popcountl(x), cy = __builtin_popcountl(y);

	if (cx != cy)
		return cx - cy;
	while (x != y) {
		int ix = x ? __builtin_ctzl(x) : 64, iy = y ? __builtin_ctzl(y) : 64;

		if (ix != iy)
			return ix - iy;
		x &= x - 1;
		y &= y - 1;
	}
	return 0;
}

profile_t *sched_profiles(const struct sched *s, const char *want, size_t *n)
{
	profile_t *out;
	char miss[512];

	*n = 0;
	if (!strcmp(want, "all")) {
		out = xcalloc((size_t)1 << s->nflags, sizeof(*out));
		for (profile_t p = 0; p < (1UL << s->nflags); p++) {
			missing_requires(s, p, miss, sizeof(miss));
			if (!*miss)
				out[(*n)++] = p;
		}
		qsort(out, *n, sizeof(*out), profile_cmp);
		return out;
	}
	out = xcalloc(strlen(want) + 1, sizeof(*out));
	for (const char *w = want; *w;) {
		size_t len = strcspn(w, ",");
		profile_t p = 0;

		if (!(len == 7 && !strncmp(w, "default", 7))) {
			for (size_t off = 0; off < len;) {
				size_t fl = strcspn(w + off, "+,");
				int k = flag_index(s, w + off, fl);

				if (k < 0)
					die(EXIT_USAGE, "--profiles: unknown flag %.*s for %s", (int)fl, w + off, s->name);
				p |= 1UL << k;
				off += fl + (w[off + fl] == '+');
			}
			missing_requires(s, p, miss, sizeof(miss));
			if (*miss)
				die(EXIT_USAGE, "--profiles: %s", miss);
		}
		for (size_t i = 0; i <= *n; i++)
			if (i == *n) {
				out[(*n)++] = p;
				break;
			} else if (out[i] == p) {
				break;	/* named twice: once */
			}
		w += len + (w[len] == ',');
	}
	if (!*n)
		die(EXIT_USAGE, "--profiles '%s': no profile named", want);
	return out;
}

void profile_name(const struct sched *s, profile_t p, char *buf, size_t len)
{
	size_t off = 0;

	snprintf(buf, len, "default");
	for (size_t i = 0; i < s->nflags && p; i++)
		if (p & (1UL << i))
			off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s",
						off ? "+" : "", s->flag_names[i]);
}

char **sched_flags_active(const struct sched *s, profile_t p, unsigned *n)
{
	char **have = xcalloc(s->ncaps + s->nflags + 1, sizeof(char *));

	*n = 0;
	for (size_t i = 0; i < s->ncaps; i++)
		have[(*n)++] = s->caps[i];
	for (size_t i = 0; i < s->nflags; i++)
		if (p & (1UL << i))
			have[(*n)++] = s->flag_names[i];
	return have;
}

static void copy_key(json_t *to, json_t *from, const char *key)
{
	json_t *v = json_object_get(from, key);

	if (v && !json_is_null(v))
		json_object_set(to, key, v);
}

json_t *sched_job_object(const struct sched *s, profile_t p)
{
	json_t *o = json_object(), *args, *flags, *f;
	size_t i;

	json_object_set_new(o, "name", json_string(s->name));
	if (!s->def) {
		if (s->path) {
			json_object_set_new(o, "path", json_string(s->path));
			json_object_set(o, "args", s->extra_args);
		}
		return o;
	}
	copy_key(o, s->def, "ops");
	copy_key(o, s->def, "attach_timeout_ms");
	copy_key(o, s->def, "checks");
	flags = json_array();
	args = json_array();
	if (is_string_array(json_object_get(s->def, "args")))
		json_array_extend(args, json_object_get(s->def, "args"));
	json_array_foreach(json_object_get(s->def, "flags"), i, f) {
		if (!(p & (1UL << i)))
			continue;
		json_array_append_new(flags, json_string(s->flag_names[i]));
		if (json_object_get(f, "args"))
			json_array_extend(args, json_object_get(f, "args"));
	}
	json_array_extend(args, s->extra_args);
	json_object_set_new(o, "flags", flags);
	json_object_set_new(o, "args", args);
	if (s->path)
		json_object_set_new(o, "path", json_string(s->path));
	return o;
}

json_t *sched_cmdline(const struct sched *s)
{
	json_t *c = json_array(), *v;
	size_t i;

	if (s->path || s->def)
		json_array_append_new(c, json_string(BPF_STATS));
	json_array_append_new(c, json_string(SCHEDSTATS));
	if (!s->def)
		return c;
	json_array_foreach(json_object_get(s->def, "kernel_args"), i, v)
		if (json_is_string(v))
			json_array_append(c, v);
	json_array_foreach(json_object_get(s->def, "sysctls"), i, v) {
		const char *k = json_string_value(json_object_get(v, "key"));
		const char *val = json_string_value(json_object_get(v, "value"));

		if (!k || !val)
			die(EXIT_USAGE, "scheduler definition %s: .sysctls[%zu]: expected {\"key\", \"value\"} strings",
			    s->def_path, i);
		json_array_append_new(c, json_sprintf("sysctl.%s=%s", k, val));
	}
	return c;
}

void sched_free(struct sched *s)
{
	free(s->other_kernels);
	for (size_t i = 0; i < s->nflags; i++)
		free(s->flag_names[i]);
	free(s->flag_names);
	for (size_t i = 0; i < s->ncaps; i++)
		free(s->caps[i]);
	free(s->caps);
	json_decref(s->def);
	json_decref(s->extra_args);
	free(s->def_path);
	free(s->name);
	free(s->path);
	free(s->topology);
}
