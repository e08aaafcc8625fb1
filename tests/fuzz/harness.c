/*
 * The fuzz targets' harness (harness.h): die() jumps back here, and the
 * allocations an input made are tracked so that a died input's are freed
 * (as its process exit would have) instead of piling up or counting as leaks.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sanitizer/allocator_interface.h>

#include "die.h"
#include "harness.h"

/* Live allocations of the input: a dense list, and a hash index of list positions (+1). */
#define LIVE_MAX (1u << 20)
#define INDEX_SLOTS (2 * LIVE_MAX)
static const void *live[LIVE_MAX];
static unsigned index_of[INDEX_SLOTS];
static size_t slot_tmp[LIVE_MAX];	/* fuzz_end: where each entry sits */
static size_t nlive;
static bool overflowed;
static atomic_flag lock = ATOMIC_FLAG_INIT;
static atomic_int tracking;

static jmp_buf *jump;
static int died_status;

/*
 * The C library's list of open streams (an ABI symbol of glibc): a died input's
 * are closed as exit() would, and one that returned must have closed its own.
 */
extern FILE *_IO_list_all;
#define FILES_MAX 64
static FILE *files_before[FILES_MAX];
static size_t nfiles_before;

/* Descriptors open before the first input (the harness's, libFuzzer's). */
#define FDS_MAX 1024
static bool fd_before[FDS_MAX];

static size_t slot_of(const void *p)
{
	unsigned long long x = (unsigned long long)(uintptr_t)p;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)(x & (INDEX_SLOTS - 1));
}

/* The index slot holding p, or INDEX_SLOTS. */
static size_t find(const void *p)
{
	for (size_t i = slot_of(p); index_of[i]; i = (i + 1) & (INDEX_SLOTS - 1))
		if (live[index_of[i] - 1] == p)
			return i;
	return INDEX_SLOTS;
}

static void take_lock(void)
{
	while (atomic_flag_test_and_set_explicit(&lock, memory_order_acquire))
		;
}

static void on_malloc(const volatile void *p, size_t n)
{
	size_t i;

	(void)n;
	if (!p || !atomic_load(&tracking))
		return;
	take_lock();
	if (nlive == LIVE_MAX) {
		overflowed = true;
	} else {
		for (i = slot_of((const void *)p); index_of[i]; i = (i + 1) & (INDEX_SLOTS - 1))
			;
		live[nlive++] = (const void *)p;
		index_of[i] = (unsigned)nlive;
	}
	atomic_flag_clear_explicit(&lock, memory_order_release);
}

/* Linear probing's deletion: move later entries of the run back over the hole. */
static void unindex(size_t hole)
{
	size_t j = hole;

	index_of[hole] = 0;
	for (;;) {
		size_t k;

		j = (j + 1) & (INDEX_SLOTS - 1);
		if (!index_of[j])
			return;
		k = slot_of(live[index_of[j] - 1]);
		if (hole <= j ? (hole < k && k <= j) : (hole < k || k <= j))
			continue;
		index_of[hole] = index_of[j];
		index_of[j] = 0;
		hole = j;
	}
}

static void on_free(const volatile void *p)
{
	size_t i, pos;

	if (!p || !atomic_load(&tracking))
		return;
	take_lock();
	i = find((const void *)p);
	if (i != INDEX_SLOTS) {
		pos = index_of[i] - 1;
		unindex(i);
		if (pos != --nlive) {	/* the last entry fills the gap in the list */
			live[pos] = live[nlive];
			index_of[find(live[pos])] = (unsigned)pos + 1;
		}
	}
	atomic_flag_clear_explicit(&lock, memory_order_release);
}

static void die_jump(int status)
{
	if (!jump)
		exit(status);
	died_status = status;
	longjmp(*jump, 1);
}

void fuzz_init(void)
{
	static char outbuf[BUFSIZ];
	static bool done;
	struct tm tm;
	time_t t = 0;

	if (done)
		return;
	done = true;
	die_setprog("fuzz");
	die_set_exit(die_jump);
	__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
	/* What the C library keeps for good on first use must not be an input's to free. */
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	tzset();
	localtime_r(&t, &tm);
	gmtime_r(&t, &tm);
	(void)strerror(12345);
}

static bool file_was_open(FILE *f)
{
	for (size_t i = 0; i < nfiles_before; i++)
		if (files_before[i] == f)
			return true;
	return false;
}

/* Each descriptor open now: close it (died) or say it leaked, unless it was open before. */
static void check_fds(bool died)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int leaked = -1;

	if (!d)
		abort();
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd == dirfd(d) || (fd < FDS_MAX && fd_before[fd]))
			continue;
		if (died)
			close(fd);
		else
			leaked = fd;
	}
	closedir(d);
	if (leaked >= 0) {
		fprintf(stderr, "fuzz: the input left file descriptor %d open\n", leaked);
		abort();
	}
}

/*
 * Noted before every input, not once: between inputs libFuzzer itself opens
 * descriptors that stay open (the pipes to llvm-symbolizer when it names a
 * newly covered function).
 */
static void note_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d)
		abort();
	memset(fd_before, 0, sizeof(fd_before));
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) < FDS_MAX)
			fd_before[atoi(e->d_name)] = true;
	fd_before[dirfd(d)] = false;
	closedir(d);
}

bool fuzz_call(void (*fn)(void *ctx), void *ctx, int *status)
{
	jmp_buf env;
	volatile bool died = false;

	fuzz_init();
	note_fds();
	nfiles_before = 0;
	for (FILE *f = _IO_list_all; f && nfiles_before < FILES_MAX; f = f->_chain)
		files_before[nfiles_before++] = f;
	atomic_store(&tracking, 1);
	jump = &env;
	if (!setjmp(env))
		fn(ctx);
	else
		died = true;
	jump = NULL;
	if (died && status)
		*status = died_status;
	return died;
}

void fuzz_end(bool died)
{
	size_t n;

	for (FILE *f = _IO_list_all, *next; f; f = next) {
		next = f->_chain;
		if (file_was_open(f))
			continue;
		if (!died) {
			fprintf(stderr, "fuzz: the input left a stream open (fd %d)\n", fileno(f));
			abort();
		}
		fclose(f);	/* while tracked: its memory leaves the list of survivors */
	}
	atomic_store(&tracking, 0);
	take_lock();
	n = nlive;
	for (size_t i = 0; i < n; i++)	/* find all before a cleared slot cuts a probe run */
		slot_tmp[i] = find(live[i]);
	for (size_t i = 0; i < n; i++)
		index_of[slot_tmp[i]] = 0;
	nlive = 0;
	atomic_flag_clear_explicit(&lock, memory_order_release);
	if (died) {
		for (size_t i = 0; i < n; i++)
			free((void *)live[i]);
		if (overflowed)
			fprintf(stderr, "fuzz: more than %u allocations live: some not freed\n", LIVE_MAX);
	}
	overflowed = false;
	check_fds(died);
}

char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}
