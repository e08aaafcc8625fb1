/* DT_NEEDED closure of an executable, with libelf. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "elfdeps.h"

/* A growable list of strings (also used for the search path). */
struct strlist {
	char **v;
	size_t n, cap;
};

static bool strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

static void strlist_add(struct strlist *l, const char *s)
{
	if (strlist_has(l, s))
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = xstrdup(s);
}

static void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* What one ELF file says about loading it. */
struct elfinfo {
	char *interp;
	struct strlist needed;
	char *rpath, *runpath;
	unsigned char elfclass;
	unsigned machine;
};

static void elfinfo_free(struct elfinfo *e)
{
	free(e->interp);
	free(e->rpath);
	free(e->runpath);
	strlist_free(&e->needed);
}

static void read_interp(Elf *elf, struct elfinfo *e)
{
	size_t nph, rawsize;
	char *raw = elf_rawfile(elf, &rawsize);

	if (!raw || elf_getphdrnum(elf, &nph) != 0)
		return;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_INTERP &&
		    ph.p_offset < rawsize && ph.p_filesz <= rawsize - ph.p_offset)
			e->interp = strndup(raw + ph.p_offset, ph.p_filesz);
	}
}

static void read_dynamic(Elf *elf, struct elfinfo *e)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC ||
		    !(data = elf_getdata(scn, NULL)) || !sh.sh_entsize)
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Dyn d;
			const char *s;

			if (!gelf_getdyn(data, (int)i, &d))
				break;
			if (d.d_tag != DT_NEEDED && d.d_tag != DT_RPATH &&
			    d.d_tag != DT_RUNPATH)
				continue;
			s = elf_strptr(elf, sh.sh_link, d.d_un.d_val);
			if (!s)
				continue;
			if (d.d_tag == DT_NEEDED)
				strlist_add(&e->needed, s);
			else if (d.d_tag == DT_RPATH && !e->rpath)
				e->rpath = xstrdup(s);
			else if (d.d_tag == DT_RUNPATH && !e->runpath)
				e->runpath = xstrdup(s);
		}
	}
}

/* 0, -1 with err set, or -2 when path is readable but not ELF (err set too). */
static int elfinfo_read(const char *path, struct elfinfo *e, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	GElf_Ehdr eh;
	Elf *elf;

	memset(e, 0, sizeof(*e));
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		snprintf(err, errlen, "%s: not an ELF file", path);
		if (elf)
			elf_end(elf);
		close(fd);
		return -2;
	}
	e->elfclass = eh.e_ident[EI_CLASS];
	e->machine = eh.e_machine;
	read_interp(elf, e);
	read_dynamic(elf, e);
	elf_end(elf);
	close(fd);
	return 0;
}

/* Does the ELF file at path match the executable's class and machine? */
static bool elf_matches(const char *path, const struct elfinfo *want)
{
	unsigned char h[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = pread(fd, h, sizeof(h), 0) == (ssize_t)sizeof(h) &&
	     !memcmp(h, ELFMAG, SELFMAG) && h[EI_CLASS] == want->elfclass &&
	     (unsigned)(h[18] | h[19] << 8) == want->machine;	/* x86 is little-endian */
	close(fd);
	return ok;
}

static void add_conf_file(struct strlist *dirs, const char *file, int depth);

static void add_conf_include(struct strlist *dirs, const char *pat, int depth)
{
	char full[4096];
	glob_t g;

	snprintf(full, sizeof(full), "%s%s", pat[0] == '/' ? "" : "/etc/", pat);
	if (glob(full, 0, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc; i++)
		add_conf_file(dirs, g.gl_pathv[i], depth + 1);
	globfree(&g);
}

/* /etc/ld.so.conf: one directory a line, "include GLOB", '#' comments. */
static void add_conf_file(struct strlist *dirs, const char *file, int depth)
{
	FILE *f = depth < 8 ? fopen(file, "re") : NULL;
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		char *s = line, *end;

		s[strcspn(s, "#\n")] = '\0';
		s += strspn(s, " \t");
		end = s + strlen(s);
		while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!strncmp(s, "include", 7) && (s[7] == ' ' || s[7] == '\t'))
			add_conf_include(dirs, s + 8 + strspn(s + 8, " \t"), depth);
		else if (s[0] == '/')
			strlist_add(dirs, s);
	}
	free(line);
	fclose(f);
}

/* "a:b" with $ORIGIN replaced by origin. */
static void add_path_list(struct strlist *dirs, const char *list, const char *origin)
{
	char *copy = xstrdup(list), *save = NULL;

	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char buf[4096];

		if (!strncmp(d, "$ORIGIN", 7))
			snprintf(buf, sizeof(buf), "%s%s", origin, d + 7);
		else if (!strncmp(d, "${ORIGIN}", 9))
			snprintf(buf, sizeof(buf), "%s%s", origin, d + 9);
		else
			snprintf(buf, sizeof(buf), "%s", d);
		strlist_add(dirs, buf);
	}
	free(copy);
}

static void search_dirs(const struct elfinfo *e, const char *path, struct strlist *dirs)
{
	static const char *const defaults[] = {
		"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
		"/lib64", "/usr/lib64", "/lib", "/usr/lib",
	};
	char *origin = xstrdup(path), *slash = strrchr(origin, '/');

	if (slash)
		*slash = '\0';
	if (e->rpath && !e->runpath)
		add_path_list(dirs, e->rpath, origin);
	if (e->runpath)
		add_path_list(dirs, e->runpath, origin);
	add_conf_file(dirs, "/etc/ld.so.conf", 0);
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		strlist_add(dirs, defaults[i]);
	free(origin);
}

static int resolve(const char *name, const struct elfinfo *e, const char *path,
		   char *out, size_t outlen)
{
	struct strlist dirs = { 0 };
	int found = -1;

	if (strchr(name, '/')) {
		snprintf(out, outlen, "%s", name);
		return access(out, R_OK) == 0 ? 0 : -1;
	}
	search_dirs(e, path, &dirs);
	for (size_t i = 0; i < dirs.n && found < 0; i++) {
		snprintf(out, outlen, "%s/%s", dirs.v[i], name);
		if (elf_matches(out, e))
			found = 0;
	}
	strlist_free(&dirs);
	return found;
}

/* Add path's interpreter and libraries to out/todo; names resolved once. */
static int walk_one(const char *path, struct strlist *out, struct strlist *names,
		    struct strlist *todo, char *err, size_t errlen)
{
	struct elfinfo e;
	char lib[4096];

	int rc = elfinfo_read(path, &e, err, errlen);

	if (rc < 0)
		return rc;
	if (e.interp)
		strlist_add(out, e.interp);
	for (size_t i = 0; i < e.needed.n; i++) {
		if (strlist_has(names, e.needed.v[i]))
			continue;
		strlist_add(names, e.needed.v[i]);
		if (resolve(e.needed.v[i], &e, path, lib, sizeof(lib)) < 0) {
			snprintf(err, errlen, "%s needs %s, which is not found", path,
				 e.needed.v[i]);
			elfinfo_free(&e);
			return -1;
		}
		strlist_add(out, lib);
		strlist_add(todo, lib);
	}
	elfinfo_free(&e);
	return 0;
}

int elfdeps_collect(const char *binary, struct elfdeps *out, char *err, size_t errlen)
{
	struct strlist deps = { 0 }, names = { 0 }, todo = { 0 };
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (elf_version(EV_CURRENT) == EV_NONE) {
		snprintf(err, errlen, "libelf: %s", elf_errmsg(-1));
		return -1;
	}
	strlist_add(&todo, binary);
	for (size_t i = 0; i < todo.n && rc == 0; i++)	/* todo grows as we go */
		rc = walk_one(todo.v[i], &deps, &names, &todo, err, errlen);
	strlist_free(&names);
	strlist_free(&todo);
	if (rc == -2 && !deps.n) {
		err[0] = '\0';
		return 1;	/* binary itself is not ELF: a script, say */
	}
	if (rc < 0) {
		strlist_free(&deps);
		return -1;
	}
	out->paths = deps.v;
	out->n = deps.n;
	out->cap = deps.cap;
	return 0;
}

void elfdeps_free(struct elfdeps *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->paths[i]);
	free(d->paths);
	memset(d, 0, sizeof(*d));
}
