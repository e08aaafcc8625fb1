/*
 * The kernel file to boot. A bzImage decompresses itself first, which under TCG costs
 * seconds; the same kernel's uncompressed ELF (kernel.btf, unpacked from the bzImage) boots
 * at once through PVH when it carries the PVH entry note (CONFIG_PVH). Both put the kernel
 * at the same physical address with nokaslr, so kallsyms and guest memory layout agree.
 */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot_image.h"
#include "die.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PVH_CACHE_SLOTS 8

int boot_mode_parse(const char *s)
{
	if (!strcmp(s, "auto"))
		return BOOT_AUTO;
	if (!strcmp(s, "bzimage"))
		return BOOT_BZIMAGE;
	if (!strcmp(s, "pvh"))
		return BOOT_PVH;
	return -1;
}

/* A "Xen" note of type PHYS32_ENTRY with a non-zero 32-bit entry point. */
static bool notes_have_pvh_entry(Elf_Data *d)
{
	GElf_Nhdr nh;
	size_t off = 0, next, name_off, desc_off;
	const char *buf = d->d_buf;

	while ((next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		uint32_t entry = 0;

		if (nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY && nh.n_namesz == 4 &&
		    !memcmp(buf + name_off, "Xen", 4) && nh.n_descsz >= 4) {
			memcpy(&entry, buf + desc_off, 4);
			if (entry)
				return true;
		}
		off = next;
	}
	return false;
}

/* Every PT_LOAD inside the file (a cut-short unpack would not boot), and a PVH note. */
static bool elf_is_pvh_kernel(Elf *elf, off_t file_size)
{
	GElf_Ehdr eh;
	size_t nph;
	bool note = false;

	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) ||
	    gelf_getclass(elf) != ELFCLASS64 || eh.e_machine != EM_X86_64 ||
	    eh.e_type != ET_EXEC || elf_getphdrnum(elf, &nph) != 0)
		return false;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph))
			return false;
		if ((ph.p_type == PT_LOAD || ph.p_type == PT_NOTE) &&
		    (ph.p_offset > (GElf_Off)file_size ||
		     ph.p_filesz > (GElf_Off)file_size - ph.p_offset))
			return false;
		if (ph.p_type == PT_NOTE && !note) {
			Elf_Data *d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset,
							   ph.p_filesz, ELF_T_NHDR);

			note = d && notes_have_pvh_entry(d);
		}
	}
	return note;
}

static bool check_file(const char *path, const struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf;
	bool ok;

	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	ok = elf && elf_is_pvh_kernel(elf, st->st_size);
	elf_end(elf);
	close(fd);
	return ok;
}

/* Answers per path, valid while the file's identity and mtime stay the same. */
static struct pvh_answer {
	char *path;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	bool pvh;
} cache[PVH_CACHE_SLOTS];
static unsigned cache_next;

static bool same_file(const struct pvh_answer *a, const struct stat *st)
{
	return a->dev == st->st_dev && a->ino == st->st_ino && a->size == st->st_size &&
	       a->mtime.tv_sec == st->st_mtim.tv_sec && a->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

bool boot_elf_has_pvh(const char *path)
{
	struct pvh_answer *a;
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	for (unsigned i = 0; i < PVH_CACHE_SLOTS; i++)
		if (cache[i].path && !strcmp(cache[i].path, path) && same_file(&cache[i], &st))
			return cache[i].pvh;
	a = &cache[cache_next++ % PVH_CACHE_SLOTS];
	free(a->path);
	*a = (struct pvh_answer){ .path = xstrdup(path), .dev = st.st_dev, .ino = st.st_ino,
				  .size = st.st_size, .mtime = st.st_mtim };
	a->pvh = check_file(path, &st);
	return a->pvh;
}

int boot_image_pick(const struct job *j, enum boot_mode m, const char **file,
		    const char **kind, char *err, size_t errlen)
{
	bool pvh = m != BOOT_BZIMAGE && j->kernel_elf && boot_elf_has_pvh(j->kernel_elf);

	if (m == BOOT_PVH && !pvh) {
		if (j->kernel_elf)
			snprintf(err, errlen, "boot pvh: kernel.btf %s is not an x86-64 kernel ELF "
				 "with the PVH entry note (CONFIG_PVH)", j->kernel_elf);
		else
			snprintf(err, errlen, "boot pvh: the job's kernel has no \"btf\" (its "
				 "uncompressed ELF)");
		return -1;
	}
	*file = pvh ? j->kernel_elf : j->kernel_image;
	*kind = pvh ? "pvh" : "bzimage";
	return 0;
}
