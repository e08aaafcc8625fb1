/* The scheduler's maps over one job: snapshots and map records (see mapwatch.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "maps.h"
#include "mapval.h"
#include "mapwatch.h"
#include "mapwrite.h"

#define MAX_BTFS 16
#define SCX_EXIT_ERROR 1024	/* exit kinds from here on are errors */
#define RAW_BYTES 256		/* a value without BTF: this many bytes, in hex */
#define PER_CPU_SHOWN 64	/* a one-entry per-CPU map lists each CPU's value up to this many */

#define MAP_SNAPSHOT_SAMPLES 10	/* while attached, the maps are read every this many samples */

struct mapwatch {
	char *job;
	struct map_writes writes;
	struct map_set attached;	/* the latest snapshot while the scheduler ran */
	struct map_set detached;	/* read again once it detached: final values */
	int detached_state;		/* 0 not tried, 1 read, -1 the maps were gone */
	uint64_t sch;			/* the scheduler last attached (attached_scheduler) */
	int attached_now;		/* at the last sample */
	unsigned snap_age;		/* samples since the maps were last read while attached */
	char sched_name[129];
	int failure_sent;
	long long first_step_ms;	/* t_ms of the scenario's first step, -1 before */
	struct { uint64_t addr; struct btf *btf; } btf[MAX_BTFS];
	unsigned nbtf;
};

int mapwatch_check_job(json_t *job, char *err, size_t errlen)
{
	return map_writes_check(json_object_get(job, "map_writes"), err, errlen);
}

struct mapwatch *mapwatch_new(json_t *job, const char *id)
{
	struct mapwatch *mw = xcalloc(1, sizeof(*mw));

	mw->job = xstrdup(id);
	mw->first_step_ms = -1;
	map_writes_load(&mw->writes, json_object_get(job, "map_writes"));
	return mw;
}

static void drop_btfs(struct mapwatch *mw)
{
	for (unsigned i = 0; i < mw->nbtf; i++)
		btf__free(mw->btf[i].btf);
	mw->nbtf = 0;
}

void mapwatch_free(struct mapwatch *mw)
{
	if (!mw)
		return;
	map_set_free(&mw->attached);
	map_set_free(&mw->detached);
	drop_btfs(mw);
	map_writes_free(&mw->writes);
	free(mw->job);
	free(mw);
}

/* The parsed BTF at the guest's struct btf addr: copied once, while its maps live. */
static struct btf *btf_of(struct mapwatch *mw, struct sampler *s, uint64_t addr, int may_read)
{
	struct btf *btf;

	if (!addr)
		return NULL;
	for (unsigned i = 0; i < mw->nbtf; i++)
		if (mw->btf[i].addr == addr)
			return mw->btf[i].btf;
	if (!may_read || mw->nbtf == MAX_BTFS)
		return NULL;
	btf = maps_read_btf(&s->gm, &s->ki, addr);
	/* a failed read is remembered too: not tried again every sample */
	mw->btf[mw->nbtf].addr = addr;
	mw->btf[mw->nbtf++].btf = btf;
	return btf;
}

/* The value (type id) at p, decoded, or its first bytes in hex without BTF. */
static json_t *value_json(const struct btf *btf, uint32_t id, const unsigned char *p, size_t len,
			  int *truncated)
{
	json_t *v = btf && id ? mapval_decode(btf, id, p, len, truncated) : NULL;
	char hex[2 * RAW_BYTES + 1];
	size_t n = len < RAW_BYTES ? len : RAW_BYTES;

	if (v)
		return v;
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", p[i]);
	hex[2 * n] = '\0';
	return json_pack("{s:s}", "hex", hex);
}

/* A per-CPU value: each CPU's decoded and summed. */
static json_t *percpu_json(const struct btf *btf, const struct map_snap *m, const unsigned char *p,
			   int *truncated)
{
	json_t *sum = value_json(btf, m->value_type_id, p, m->value_size, truncated);

	for (unsigned c = 1; c < m->ncpus && !json_object_get(sum, "hex"); c++) {
		json_t *v = value_json(btf, m->value_type_id, p + (size_t)m->value_size * c,
				       m->value_size, truncated);

		mapval_add(sum, v);
		json_decref(v);
	}
	return sum;
}

/* Each CPU's value apart. */
static json_t *per_cpu_json(const struct btf *btf, const struct map_snap *m, const unsigned char *p,
			    int *truncated)
{
	json_t *arr = json_array();

	for (unsigned c = 0; c < m->ncpus; c++)
		json_array_append_new(arr, value_json(btf, m->value_type_id,
						      p + (size_t)m->value_size * c, m->value_size,
						      truncated));
	return arr;
}

/* Arrays: "value" for a single entry (per-CPU: also "per_cpu"), else "entries" [{key, value}]; hashes: "entries". */
static void add_values(json_t *o, const struct btf *btf, const struct map_snap *m)
{
	size_t vsize = (size_t)m->value_size * (m->ncpus ? m->ncpus : 1);
	int is_hash = m->type != MAP_ARRAY && m->type != MAP_PERCPU_ARRAY, truncated = m->truncated;
	size_t ksize = is_hash ? ((size_t)m->key_size + 7) / 8 * 8 : 0;
	json_t *entries = json_array();

	for (unsigned i = 0; i < m->n; i++) {
		const unsigned char *p = m->data + (ksize + vsize) * i;
		json_t *v = m->ncpus ? percpu_json(btf, m, p + ksize, &truncated)
				     : value_json(btf, m->value_type_id, p + ksize, m->value_size,
						  &truncated);
		json_t *key = is_hash ? value_json(btf, m->key_type_id, p, m->key_size, &truncated)
				      : json_integer(i);

		if (!is_hash && m->max_entries == 1) {
			json_object_set_new(o, "value", v);
			json_decref(key);
			if (m->ncpus > 1 && m->ncpus <= PER_CPU_SHOWN)
				json_object_set_new(o, "per_cpu", per_cpu_json(btf, m, p, &truncated));
			continue;
		}
		json_array_append_new(entries, json_pack("{s:o, s:o}", "key", key, "value", v));
	}
	if (is_hash || m->max_entries != 1)
		json_object_set_new(o, "entries", entries);
	else
		json_decref(entries);
	if (truncated)
		json_object_set_new(o, "truncated", json_true());
}

static json_t *map_json(struct mapwatch *mw, struct sampler *s, const struct map_snap *m)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "name", m->name,
			      "type", maps_type_name(&s->ki, m->type), "id", (json_int_t)m->id,
			      "key_size", (json_int_t)m->key_size, "value_size", (json_int_t)m->value_size,
			      "max_entries", (json_int_t)m->max_entries);

	if (m->ncpus)
		json_object_set_new(o, "cpus", json_integer(m->ncpus));
	if (m->data)
		add_values(o, btf_of(mw, s, m->btf_addr, 0), m);
	return o;
}

static json_t *map_record(struct mapwatch *mw, struct sampler *s, const struct map_set *set,
			  const char *when, long long t_ms, int detached)
{
	json_t *maps = json_array();
	json_t *rec = json_pack("{s:s, s:s, s:I, s:s, s:s, s:b}", "type", "map", "job", mw->job,
				"t_ms", (json_int_t)t_ms, "when", when, "scheduler", mw->sched_name,
				"detached", detached);

	for (unsigned i = 0; i < set->n; i++)
		json_array_append_new(maps, map_json(mw, s, &set->m[i]));
	json_object_set_new(rec, "maps", maps);
	return rec;
}

/*
 * The scheduler attached now (its struct scx_sched; before scx_root, the
 * static scx_ops while its state says enabled), or 0; its name noted when
 * it is a new one (another address, or attached again after a detach).
 */
static uint64_t attached_scheduler(struct mapwatch *mw, struct sampler *s)
{
	uint64_t sch = sampler_scheduler(s);

	if (!sch)
		return 0;
	if (sch != mw->sch || !mw->attached_now) {
		mw->sch = sch;
		mw->detached_state = 0;
		mw->failure_sent = 0;
		map_set_free(&mw->attached);
		map_set_free(&mw->detached);
		drop_btfs(mw);	/* the old scheduler's blobs; their addresses may come back */
		if (sampler_scheduler_name(s, sch, mw->sched_name, sizeof(mw->sched_name)))
			mw->sched_name[0] = '\0';
	}
	return sch;
}

/* The failure's map record, once; exit_kind (taken) names the error: a number or a name. */
static void failure(struct mapwatch *mw, struct sampler *s, long long t_ms, json_t *exit_kind,
		    json_t *out)
{
	const struct map_set *set = mw->detached_state > 0 ? &mw->detached : &mw->attached;
	json_t *rec;

	if (mw->failure_sent || !mw->sch || !set->n) {
		json_decref(exit_kind);
		return;
	}
	mw->failure_sent = 1;
	if (mw->detached_state <= 0)	/* the last snapshot may be a second old: the values now */
		maps_reread(&s->gm, &s->ki, s->ncpus, &mw->attached);
	rec = map_record(mw, s, set, "failure", t_ms, mw->detached_state > 0);
	json_object_set_new(rec, "exit_kind", exit_kind ? exit_kind : json_null());
	json_array_append_new(out, rec);
}

/* Writes due by now (since the scenario's first step) or at step (-1: none). */
static void apply_due(struct mapwatch *mw, struct sampler *s, long long t_ms, int step, json_t *out)
{
	long long since = mw->first_step_ms < 0 ? -1 : t_ms - mw->first_step_ms;
	const struct btf *btfs[MAPS_MAX] = { 0 };
	struct map_write_ctx ctx = { &s->gm, &s->ki, &mw->attached, btfs, mw->attached_now, mw->job,
				     t_ms, since };

	for (size_t i = 0; i < mw->writes.n; i++) {
		struct map_write *w = &mw->writes.w[i];

		if (w->done || !(w->at_step >= 0 ? w->at_step == step
						 : since >= 0 && since >= w->at_ms))
			continue;
		for (unsigned k = 0; k < mw->attached.n; k++)
			btfs[k] = btf_of(mw, s, mw->attached.m[k].btf_addr, 1);
		json_array_append_new(out, map_write_apply(w, &ctx));
	}
}

/* The maps now: a fresh snapshot while attached, the final read once it detached. */
static void snapshot(struct mapwatch *mw, struct sampler *s, long long t_ms, json_t *out)
{
	uint64_t sch = attached_scheduler(mw, s);

	mw->attached_now = sch != 0;
	if (sch) {
		int ok = 1;
		uint32_t kind;

		/* reading every value is most of a sample's cost: once a second is enough, since
		 * the final values are read again at the detach */
		if (!mw->attached.n || mw->snap_age++ % MAP_SNAPSHOT_SAMPLES == 0) {
			struct map_set *fresh = xcalloc(1, sizeof(*fresh));

			if (maps_find(&s->gm, &s->ki, s->ncpus, fresh) > 0) {
				map_set_free(&mw->attached);
				mw->attached = *fresh;
				for (unsigned i = 0; i < mw->attached.n; i++)
					btf_of(mw, s, mw->attached.m[i].btf_addr, 1);
			} else {
				map_set_free(fresh);
			}
			free(fresh);
		}
		if (s->ki.scx_root)
			kind = s->ki.sch_exit_kind == OFF_NONE ? 0
				: guestmem_u32(&s->gm, sch + s->ki.sch_exit_kind, &ok);
		else	/* one static scheduler: the global exit kind */
			kind = s->ki.scx_exit_kind ? guestmem_u32(&s->gm, s->ki.scx_exit_kind, &ok) : 0;
		if (ok && kind >= SCX_EXIT_ERROR)
			failure(mw, s, t_ms, json_integer(kind), out);
	} else if (mw->sch && !mw->detached_state) {
		/* just detached: the loader still holds the maps, their values are final */
		map_set_copy(&mw->detached, &mw->attached);
		mw->detached_state = maps_reread(&s->gm, &s->ki, s->ncpus, &mw->detached) ? -1 : 1;
	}
}

void mapwatch_sample(struct mapwatch *mw, struct sampler *s, long long t_ms, json_t *out)
{
	if (!mw || !maps_supported(&s->ki))
		return;
	snapshot(mw, s, t_ms, out);
	apply_due(mw, s, t_ms, -1, out);
}

void mapwatch_record(struct mapwatch *mw, struct sampler *s, json_t *rec, long long t_ms,
		     json_t *out)
{
	const char *type = json_string_value(json_object_get(rec, "type"));
	const char *event = json_string_value(json_object_get(rec, "event"));
	json_t *index = json_object_get(rec, "index");

	if (!mw || !type)
		return;
	if (!strcmp(type, "step") && json_is_integer(index)) {
		int step = (int)json_integer_value(index);

		if (mw->first_step_ms < 0)
			mw->first_step_ms = t_ms;
		for (size_t i = 0; i < mw->writes.n; i++)
			if (!mw->writes.w[i].done && mw->writes.w[i].at_step == step &&
			    maps_supported(&s->ki)) {
				snapshot(mw, s, t_ms, out);	/* the maps as the step begins */
				break;
			}
		apply_due(mw, s, t_ms, step, out);
	} else if (!strcmp(type, "sched") && event && !strcmp(event, "kernel_exit")) {
		failure(mw, s, t_ms, json_copy(json_object_get(rec, "kind")), out);
	}
}

void mapwatch_end(struct mapwatch *mw, struct sampler *s, long long t_ms, json_t *out)
{
	int detached;

	if (!mw)
		return;
	if (mw->sch && !mw->detached_state)
		snapshot(mw, s, t_ms, out);	/* the guest's memory as it stopped: detached by then? */
	if (mw->sch && mw->attached.n) {
		detached = mw->detached_state > 0;
		if (!detached)	/* still attached at the VM's end: the values as they are now */
			maps_reread(&s->gm, &s->ki, s->ncpus, &mw->attached);
		json_array_append_new(out, map_record(mw, s, detached ? &mw->detached : &mw->attached,
						      "end", t_ms, detached));
	}
	map_writes_unapplied(&mw->writes, mw->job, t_ms, out);
}
