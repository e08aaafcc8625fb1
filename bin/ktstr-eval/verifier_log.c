/*
 * Collapsing the loop iterations of a verifier log (see verifier_log.h).
 *
 * Lines are compared in a normal form without register states: an
 * instruction "12: (0f) r2 += r3    ; R2=4 R3=2" reads "12: (0f) r2 += r3" in
 * every iteration, a state line "from 23 to 12: R0=..." reads "from 23 to
 * 12:", while source lines ("; sum += i; @ prog.bpf.c:24") stay whole. The
 * most frequent line anchors a pass: the usual distance between its
 * occurrences is the loop's period, and wherever a block of that many lines
 * repeats at least three times in a row it goes, but for its first and last
 * iteration.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "verifier_log.h"

#define MARKER_FMT "--- %zu identical iterations omitted ---"
#define MARKER_NORMAL "--- identical iterations omitted ---"
#define ANCHORS_TRIED 8		/* the most frequent lines a pass tries as anchors */
#define GAP_STRIDES 3		/* an anchor may occur up to this often per iteration */

static char *line_normalize(const char *line);

struct vlog {
	char **line, **norm;	/* both owned */
	size_t n, cap;
};

static void vlog_add(struct vlog *v, const char *line)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 64;
		v->line = xrealloc(v->line, v->cap * sizeof(*v->line));
		v->norm = xrealloc(v->norm, v->cap * sizeof(*v->norm));
	}
	v->line[v->n] = xstrdup(line);
	v->norm[v->n++] = line_normalize(line);
}

static void vlog_free(struct vlog *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->line[i]);
		free(v->norm[i]);
	}
	free(v->line);
	free(v->norm);
	memset(v, 0, sizeof(*v));
}

/* "R10=", "R0_w=", "frame1: ", "fp-8=": where the verifier's register state dump starts. */
static bool state_starts(const char *p)
{
	if (!strncmp(p, "frame", 5) && isdigit((unsigned char)p[5]))
		return true;
	if (!strncmp(p, "fp-", 3) && isdigit((unsigned char)p[3]))
		return true;
	if (p[0] != 'R' || !isdigit((unsigned char)p[1]))
		return false;
	for (p++; isdigit((unsigned char)*p); p++)
		;
	while (*p == '_' || islower((unsigned char)*p))
		p++;
	return *p == '=';
}

/* "N: " at p: its length, else 0. */
static size_t insn_index(const char *p)
{
	const char *q = p;

	while (isdigit((unsigned char)*q))
		q++;
	return q > p && q[0] == ':' && q[1] == ' ' ? (size_t)(q - p) + 2 : 0;
}

/* "from N to M: " at p: its length, else 0. */
static size_t branch_head(const char *p)
{
	size_t a = 5, b;

	if (strncmp(p, "from ", 5))
		return 0;
	while (isdigit((unsigned char)p[a]))
		a++;
	if (a == 5 || strncmp(p + a, " to ", 4))
		return 0;
	b = insn_index(p + a + 4);
	return b ? a + 4 + b : 0;
}

/* Where the register state of line begins (strlen when it has none). */
static size_t state_offset(const char *line)
{
	size_t len = strlen(line), k;

	for (size_t i = 0; i < len; i++) {
		const char *p = line + i;

		if (i > 0 && line[i - 1] != ' ')
			continue;
		if (*p == ';') {
			const char *q = p + 1 + strspn(p + 1, " ");

			if (!*q || state_starts(q))
				return i;
			return len;	/* a source line: "; sum += i; @ prog.bpf.c:24" */
		}
		if ((k = branch_head(p)))
			return state_starts(p + k) ? i + k - 1 : len;
		if ((k = insn_index(p)) && state_starts(p + k + strspn(p + k, " ")))
			return i;
		if (state_starts(p))
			return i;
	}
	return len;
}

/* The line without the register states the verifier printed on it (malloc'd). */
static char *line_normalize(const char *line)
{
	size_t cut = state_offset(line), omitted;
	char tail[8];
	char *out;

	if (sscanf(line, "--- %zu identical iterations omitted -%7s", &omitted, tail) == 2 &&
	    !strcmp(tail, "--"))
		return xstrdup(MARKER_NORMAL);	/* nested: iteration counts may differ */
	while (cut > 0 && (line[cut - 1] == ' ' || line[cut - 1] == '\t'))
		cut--;
	out = xmalloc(cut + 1);
	memcpy(out, line, cut);
	out[cut] = '\0';
	return out;
}

/* s holds an instruction: "12: (bf) r1 = r6", an index, then the opcode in parentheses. */
static bool insn_line(const char *s)
{
	for (const char *p = s; p && *p; p++)
		if ((p == s || p[-1] == ' ') && insn_index(p) &&
		    p[insn_index(p)] == '(' && isxdigit((unsigned char)p[insn_index(p) + 1]) &&
		    isxdigit((unsigned char)p[insn_index(p) + 2]) && p[insn_index(p) + 3] == ')')
			return true;
	return false;
}

bool verifier_log_present(json_t *lines)
{
	json_t *l;
	size_t i;

	json_array_foreach(lines, i, l)
		if (insn_line(json_string_value(l)))
			return true;
	return false;
}

/* After a loader's own prefix ("NAME: verifier: "), if it has one. */
static const char *log_text(const char *s)
{
	const char *v = strstr(s, "verifier: ");

	return v ? v + strlen("verifier: ") : s;
}

/* Line i of lines, "" if it is none or not a string. */
static const char *line_at(json_t *lines, size_t i)
{
	const char *s = json_string_value(json_array_get(lines, i));

	return s ? s : "";
}

bool verifier_log_rejection(json_t *lines, char *buf, size_t len)
{
	size_t n = json_array_size(lines), end = n, i;
	const char *prog = NULL, *why = NULL;

	/* the verifier's last words: "processed N insns (limit ...)", after its reason */
	while (end > 0 && !strstr(line_at(lines, end - 1), " insns (limit "))
		end--;
	if (!end)
		return false;
	for (i = end - 1; i > 0 && !insn_line(line_at(lines, i - 1)); i--)
		;
	for (; i < end - 1 && !why; i++) {
		const char *t = log_text(line_at(lines, i));

		if (*t && *t != ';')	/* not a source line */
			why = t;
	}
	if (!why)
		return false;
	/* libbpf names the program: "libbpf: prog 'NAME': failed to load: ..." */
	for (i = 0; i < n; i++) {
		const char *p = strstr(line_at(lines, i), "prog '");

		if (p && strchr(p + 6, '\''))
			prog = p + 6;
	}
	if (prog)
		snprintf(buf, len, "the verifier rejected %.*s: %s", (int)(strchr(prog, '\'') - prog), prog, why);
	else
		snprintf(buf, len, "the verifier rejected a program: %s", why);
	return true;
}

/* Lines i and j read the same without their states. */
static bool same(const struct vlog *v, size_t i, size_t j)
{
	return !strcmp(v->norm[i], v->norm[j]);
}

/*
 * Copy in to out, replacing each run of >= VERIFIER_MIN_REPEATS blocks of
 * period lines. Returns the lines left out (0: out is a plain copy).
 */
static size_t collapse_period(const struct vlog *in, size_t period, struct vlog *out)
{
	size_t omitted = 0, i = 0;
	char marker[64];

	while (i < in->n) {
		size_t m = 0, reps;

		while (i + period + m < in->n && same(in, i + m, i + period + m))
			m++;
		reps = (period + m) / period;
		if (reps < VERIFIER_MIN_REPEATS) {
			vlog_add(out, in->line[i++]);
			continue;
		}
		for (size_t k = 0; k < period; k++)
			vlog_add(out, in->line[i + k]);
		snprintf(marker, sizeof(marker), MARKER_FMT, reps - 2);
		vlog_add(out, marker);
		for (size_t k = 0; k < period; k++)
			vlog_add(out, in->line[i + (reps - 1) * period + k]);
		omitted += (reps - 2) * period - 1;
		i += reps * period;
	}
	return omitted;
}

/* Sort order of line indices: by normal form, then by position. */
static int by_norm(const void *a, const void *b, void *log)
{
	const struct vlog *v = log;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(v->norm[x], v->norm[y]);

	return c ? c : (x > y) - (x < y);
}

struct anchor {
	size_t first, count;	/* its sorted occurrences: idx[first .. first+count) */
};

static int by_count(const void *a, const void *b)
{
	const struct anchor *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return (x->first > y->first) - (x->first < y->first);
}

/* The most common distance between occurrences k apart (the smaller on a tie), or 0. */
static size_t usual_gap(const size_t *occ, size_t n, size_t k)
{
	size_t best = 0, best_n = 0;

	for (size_t i = 0; i + k < n; i++) {
		size_t gap = occ[i + k] - occ[i], c = 0;

		for (size_t j = 0; j + k < n; j++)
			c += occ[j + k] - occ[j] == gap;
		if (c > best_n || (c == best_n && gap < best)) {
			best = gap;
			best_n = c;
		}
	}
	return best;
}

/* One pass: the first anchor whose period collapses something. Lines left out, or 0. */
static size_t collapse_pass(const struct vlog *in, struct vlog *out)
{
	size_t *idx = xcalloc(in->n + 1, sizeof(*idx)), nanchors = 0, omitted = 0;
	struct anchor *anchors = xcalloc(in->n + 1, sizeof(*anchors));

	for (size_t i = 0; i < in->n; i++)
		idx[i] = i;
	qsort_r(idx, in->n, sizeof(*idx), by_norm, (void *)in);
	for (size_t i = 0, j; i < in->n; i = j) {
		for (j = i + 1; j < in->n && same(in, idx[i], idx[j]); j++)
			;
		if (j - i >= VERIFIER_MIN_REPEATS && in->norm[idx[i]][0])
			anchors[nanchors++] = (struct anchor){ i, j - i };
	}
	qsort(anchors, nanchors, sizeof(*anchors), by_count);
	for (size_t a = 0; a < nanchors && a < ANCHORS_TRIED && !omitted; a++) {
		const size_t *occ = idx + anchors[a].first;
		size_t step = usual_gap(occ, anchors[a].count, 1);

		for (size_t k = 1; k <= GAP_STRIDES && !omitted; k++) {
			size_t period = usual_gap(occ, anchors[a].count, k);

			/* k steps of a short loop are not a longer one */
			if (period < VERIFIER_MIN_PERIOD || (k > 1 && period == k * step))
				continue;
			omitted = collapse_period(in, period, out);
			if (!omitted)
				vlog_free(out);
		}
	}
	free(anchors);
	free(idx);
	return omitted;
}

json_t *verifier_log_collapse(json_t *lines, size_t *omitted)
{
	struct vlog cur = { 0 };
	json_t *l, *result;
	size_t i;

	*omitted = 0;
	json_array_foreach(lines, i, l)
		vlog_add(&cur, json_string_value(l) ? json_string_value(l) : "");
	for (int pass = 0; pass < VERIFIER_MAX_PASSES; pass++) {
		struct vlog next = { 0 };
		size_t gone = collapse_pass(&cur, &next);

		if (!gone)
			break;
		*omitted += gone;
		vlog_free(&cur);
		cur = next;
	}
	result = json_array();
	for (i = 0; i < cur.n; i++)
		json_array_append_new(result, json_string(cur.line[i]));
	vlog_free(&cur);
	return result;
}
