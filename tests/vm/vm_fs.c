// SPDX-License-Identifier: GPL-2.0
/*
 * famfs VM tests: one mounted device (pmem or devdax). Maps, the data path
 * checked against the raw device in both directions, 2 MiB faults, the
 * ioctl errno table, refused namespace operations, unmount/remount/rmmod.
 *
 * Device layout used here (offsets in the device, all below 250 MiB):
 *   [0, 2M) superblock file, [2M, 10M) log file, [10M, 12M) a regular file
 *   used for the log-overlap rule, files A/B/V/C/D/dir at 24M..222M.
 */
#include "vmtest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>

static bool g_devdax;
static const char *g_mnt;
static uint64_t g_devsize;
static uint64_t g_mapped;	/* device bytes mapped by files, as the test counts */

static char *mpath(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", g_mnt, name);
	return buf[i];
}

static uint64_t statfs_used(void)
{
	struct statfs s;

	if (statfs(g_mnt, &s))
		return UINT64_MAX;
	return (uint64_t)(s.f_blocks - s.f_bfree) * s.f_bsize;
}

static int create_empty(const char *name)
{
	return open(mpath(name), O_CREAT | O_EXCL | O_RDWR, 0644);
}

/* Create NAME and give it map M; reports one check. Returns fd or -1. */
static int create_mapped(const char *name, const struct tmap *m)
{
	int fd = create_empty(name);
	int rc;

	if (fd < 0) {
		report(false, name, "create: %s", errname(errno));
		return -1;
	}
	rc = tmap_create(fd, m);
	if (!expect_rc(rc, 0, "MAP_CREATE_V2 %s (%s, %u %s)", name,
		       m->interleaved ? "interleaved" : "simple", m->n,
		       m->interleaved ? "strips" : "extents")) {
		close(fd);
		return -1;
	}
	g_mapped += tmap_devbytes(m);
	return fd;
}

/* ---- data path ---- */

static const uint64_t chunk_sizes[] = { 1, 4095, 65543, 1048579, 3145723 };

static void data_tests(const char *label, int fd, const struct tmap *m,
		       uint64_t seed)
{
	uint64_t cap = tmap_capacity(m), size = m->size, pos, i;
	uint64_t maplen = (size + 4095) & ~4095ULL;
	uint8_t *bg = xalloc(cap), *exp = xalloc(cap), *got = xalloc(cap + 4096);
	uint8_t *p;
	int64_t d;
	ssize_t n;
	bool ok;
	struct stat st;

	ok = !fstat(fd, &st) && (uint64_t)st.st_size == size;
	report(ok, "i_size is the map's file size", "st_size %lld want %" PRIu64,
	       (long long)st.st_size, size);

	/* 1. write() in odd-sized pieces lands where the map says */
	pattern(bg, cap, seed ^ 0xb6);
	if (tmap_raw_write(m, bg, cap)) {
		report(false, "raw background write", "%s", errname(errno));
		goto out;
	}
	pattern(exp, size, seed ^ 0x01);
	ok = true;
	for (pos = 0, i = 0; pos < size; i++) {
		uint64_t len = chunk_sizes[i % 5];

		if (len > size - pos)
			len = size - pos;
		n = pwrite(fd, exp + pos, len, pos);
		if (n != (ssize_t)len) {
			report(false, "write() pieces", "pwrite at %" PRIu64 ": %zd %s",
			       pos, n, errname(errno));
			ok = false;
			break;
		}
		pos += len;
	}
	if (ok)
		report(true, "write() pieces accepted", NULL);
	memset(got, 0, cap);
	if (tmap_raw_read(m, got, 0, cap)) {
		report(false, "raw read", "%s", errname(errno));
		goto out;
	}
	d = first_diff(got, exp, size);
	{
		char nm[128];

		snprintf(nm, sizeof(nm), "%s: write() bytes at the map's device offsets", label);
		report(d < 0, nm, "first difference at file offset %" PRId64, d);
		d = first_diff(got + size, bg + size, cap - size);
		snprintf(nm, sizeof(nm), "%s: device bytes past i_size untouched by write()", label);
		report(d < 0, nm, "changed at file offset %" PRIu64, size + d);
	}

	/* 2. bytes written to the raw device read back through read() */
	pattern(exp, cap, seed ^ 0x02);
	if (tmap_raw_write(m, exp, cap)) {
		report(false, "raw write", "%s", errname(errno));
		goto out;
	}
	memset(got, 0, cap);
	n = pread(fd, got, cap + 4096, 0);
	{
		char nm[128];

		snprintf(nm, sizeof(nm), "%s: raw device bytes read back by read()", label);
		d = n == (ssize_t)size ? first_diff(got, exp, size) : 0;
		report(n == (ssize_t)size && d < 0, nm,
		       "pread returned %zd (want %" PRIu64 "), diff at %" PRId64,
		       n, size, d);
	}

	/* 3. stores through a shared mapping land where the map says */
	p = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		report(false, "mmap MAP_SHARED", "%s", errname(errno));
		goto out;
	}
	pattern(bg, size, seed ^ 0x03);
	memcpy(p, bg, size);
	expect_rc(msync(p, maplen, MS_SYNC), 0, "%s: msync", label);
	if (tmap_raw_read(m, got, 0, cap)) {
		report(false, "raw read", "%s", errname(errno));
		munmap(p, maplen);
		goto out;
	}
	{
		char nm[128];

		d = first_diff(got, bg, size);
		snprintf(nm, sizeof(nm), "%s: mmap stores at the map's device offsets", label);
		report(d < 0, nm, "first difference at file offset %" PRId64, d);
		d = first_diff(got + size, exp + size, cap - size);
		snprintf(nm, sizeof(nm), "%s: device bytes past i_size untouched by mmap", label);
		report(d < 0, nm, "changed at file offset %" PRIu64, size + d);
	}

	/* 4. raw device writes are seen by the live mapping */
	pattern(exp, cap, seed ^ 0x04);
	if (tmap_raw_write(m, exp, cap)) {
		report(false, "raw write", "%s", errname(errno));
		munmap(p, maplen);
		goto out;
	}
	{
		char nm[128];

		d = first_diff(p, exp, size);
		snprintf(nm, sizeof(nm), "%s: raw device bytes seen through mmap", label);
		report(d < 0, nm, "first difference at file offset %" PRId64, d);
	}
	munmap(p, maplen);
out:
	free(bg);
	free(exp);
	free(got);
}

/* ---- 2 MiB faults ---- */

static long touch_pages(volatile uint8_t *p, uint64_t len, bool write)
{
	long before = minflt();
	uint64_t off;
	uint64_t sum = 0;

	for (off = 0; off < len; off += 4096) {
		if (write)
			p[off] = (uint8_t)off;
		else
			sum += p[off];
	}
	__asm__ volatile("" : : "r"(sum) : "memory");
	return minflt() - before;
}

static void pmd_test(const char *label, int fd, uint64_t len, bool write)
{
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char nm[160];
	long faults;

	if (p == MAP_FAILED) {
		report(false, label, "mmap: %s", errname(errno));
		return;
	}
	faults = touch_pages(p, len, write);
	snprintf(nm, sizeof(nm), "%s: 2 MiB faults for %s of %" PRIu64 " MiB (%ld faults, 4 KiB pages would be %" PRIu64 ")",
		 label, write ? "stores" : "loads", len / MiB, faults, len / 4096);
	report(((uintptr_t)p & (SZ_2M - 1)) == 0 && faults <= (long)(len / SZ_2M) * 2,
	       nm, "mapping at %p", (void *)p);
	munmap(p, len);
}

/* ---- errno table: MAP ioctls ---- */

static int v2_simple(int fd, uint64_t size, uint32_t ftype, uint32_t n,
		     const struct famfs_ioc_simple_extent *se)
{
	struct famfs_ioc_fmap f;

	memset(&f, 0, sizeof(f));
	f.fioc_file_size = size;
	f.fioc_file_type = ftype;
	f.fioc_ext_type = FAMFS_IOC_EXT_SIMPLE;
	f.fioc_nextents = n;
	f.kse = (uint64_t)(uintptr_t)se;
	return ioctl(fd, FAMFSIOC_MAP_CREATE_V2, &f);
}

static int v2_il(int fd, uint64_t size, uint32_t niext,
		 const struct famfs_ioc_interleaved_ext *ie)
{
	struct famfs_ioc_fmap f;

	memset(&f, 0, sizeof(f));
	f.fioc_file_size = size;
	f.fioc_file_type = FAMFS_REG;
	f.fioc_ext_type = FAMFS_IOC_EXT_INTERLEAVE;
	f.fioc_niext = niext;
	f.kie = (uint64_t)(uintptr_t)ie;
	return ioctl(fd, FAMFSIOC_MAP_CREATE_V2, &f);
}

/* interleaved extent with n strips of len at base + i * 20M */
static void il_setup(struct famfs_ioc_interleaved_ext *ie,
		     struct famfs_ioc_simple_extent *st, uint32_t n,
		     uint64_t chunk, uint64_t len, uint64_t base)
{
	uint32_t i;

	memset(st, 0, sizeof(*st) * FAMFS_MAX_STRIPS * 2);
	for (i = 0; i < n && i < FAMFS_MAX_STRIPS * 2; i++) {
		st[i].offset = base + i * 20 * MiB;
		st[i].len = len;
	}
	ie->ie_nstrips = n;
	ie->ie_chunk_size = chunk;
	ie->ie_nbytes = len * n;
	ie->ie_strips = (uint64_t)(uintptr_t)st;
}

static int v1_create(int fd, uint32_t etype, uint32_t ftype, uint64_t size,
		     uint64_t count, uint64_t o0, uint64_t l0, uint64_t o1,
		     uint64_t l1)
{
	struct famfs_ioc_map m;

	memset(&m, 0, sizeof(m));
	m.extent_type = etype;
	m.file_type = ftype;
	m.file_size = size;
	m.ext_list_count = count;
	m.ext_list[0].offset = o0;
	m.ext_list[0].len = l0;
	m.ext_list[1].offset = o1;
	m.ext_list[1].len = l1;
	return ioctl(fd, FAMFSIOC_MAP_CREATE, &m);
}

static int eperm_child(void *arg)
{
	int fd = *(int *)arg;
	struct famfs_ioc_simple_extent se = { 0, 230 * MiB, SZ_2M };
	struct famfs_ioc_get_fmap g;
	int bad = 0;

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 100;
	if (!(v2_simple(fd, SZ_2M, FAMFS_REG, 1, &se) < 0 && errno == EPERM))
		bad |= 1;
	if (!(v1_create(fd, SIMPLE_DAX_EXTENT, FAMFS_REG, SZ_2M, 1,
			230 * MiB, SZ_2M, 0, 0) < 0 && errno == EPERM))
		bad |= 2;
	/* reading a map needs no privilege (the file has none yet: ENODATA) */
	if (!(ioctl(fd, FAMFSIOC_MAP_GET_V2, &g) < 0 && errno == ENODATA))
		bad |= 4;
	return bad;
}

static void ioctl_errno_tests(void)
{
	struct famfs_ioc_simple_extent se[FAMFS_MAX_SIMPLE_EXTENTS + 2];
	struct famfs_ioc_simple_extent st[FAMFS_MAX_STRIPS * 2];
	struct famfs_ioc_interleaved_ext ie;
	struct famfs_ioc_get_fmap g;
	struct famfs_ioc_map m1;
	uint64_t used_before = statfs_used();
	uint64_t end2m = (g_devsize + SZ_2M - 1) & ~(SZ_2M - 1);
	struct stat sb;
	int fd, dfd, st_rc, i;
	const uint64_t F = 230 * MiB;	/* a free, valid place */

	fd = create_empty("victim");
	if (fd < 0) {
		report(false, "create victim", "%s", errname(errno));
		return;
	}

	/* privilege */
	st_rc = run_child(eperm_child, &fd);
	report(WIFEXITED(st_rc) && WEXITSTATUS(st_rc) == 0,
	       "MAP_CREATE_V2 and MAP_CREATE without CAP_SYS_ADMIN -> EPERM, MAP_GET_V2 allowed",
	       "child status %#x (bits: 1 v2, 2 v1, 4 get)", st_rc);

	/* ioctl on a directory, unknown ioctl, NOP */
	dfd = open(g_mnt, O_RDONLY | O_DIRECTORY);
	expect_rc(ioctl(dfd, FAMFSIOC_MAP_GET_V2, &g), ENOTTY, "MAP_GET_V2 on a directory -> ENOTTY");
	expect_rc(ioctl(dfd, FAMFSIOC_MAP_CREATE_V2, &g), ENOTTY, "MAP_CREATE_V2 on a directory -> ENOTTY");
	close(dfd);
	expect_rc(ioctl(fd, _IO(FAMFSIOC_MAGIC, 0x60)), ENOTTY, "unknown ioctl -> ENOTTY");
	expect_rc(ioctl(fd, FAMFSIOC_NOP), 0, "FAMFSIOC_NOP -> 0");

	/* no map yet */
	expect_rc(ioctl(fd, FAMFSIOC_MAP_GET_V2, &g), ENODATA, "MAP_GET_V2 without a map -> ENODATA");
	expect_rc(ioctl(fd, FAMFSIOC_MAP_GET, &m1), ENODATA, "MAP_GET without a map -> ENODATA");
	expect_rc(ioctl(fd, FAMFSIOC_MAP_GETEXT, se), ENODATA, "MAP_GETEXT without a map -> ENODATA");

	/* bad user pointers */
	memset(se, 0, sizeof(se));
	expect_rc(ioctl(fd, FAMFSIOC_MAP_CREATE_V2, (void *)16), EFAULT, "MAP_CREATE_V2 argument pointer bad -> EFAULT");
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, (void *)16), EFAULT, "MAP_CREATE_V2 kse pointer bad -> EFAULT");
	expect_rc(v2_il(fd, SZ_2M, 1, (void *)16), EFAULT, "MAP_CREATE_V2 kie pointer bad -> EFAULT");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	ie.ie_strips = 16;
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EFAULT, "MAP_CREATE_V2 strip pointer bad -> EFAULT");
	expect_rc(ioctl(fd, FAMFSIOC_MAP_CREATE, (void *)16), EFAULT, "MAP_CREATE argument pointer bad -> EFAULT");

	/* counts */
	for (i = 0; i < FAMFS_MAX_SIMPLE_EXTENTS + 1; i++) {
		se[i].offset = F + i * SZ_2M;
		se[i].len = SZ_2M;
	}
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 0, se), EINVAL, "simple map with 0 extents -> EINVAL");
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, FAMFS_MAX_SIMPLE_EXTENTS + 1, se), E2BIG, "simple map with 17 extents -> E2BIG");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	expect_rc(v2_il(fd, SZ_2M, 0, &ie), EINVAL, "interleaved map with 0 interleaved extents -> EINVAL");
	expect_rc(v2_il(fd, SZ_2M, 2, &ie), E2BIG, "interleaved map with 2 interleaved extents -> E2BIG");
	il_setup(&ie, st, 0, SZ_2M, SZ_2M, F);
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "interleaved extent with 0 strips -> EINVAL");
	il_setup(&ie, st, FAMFS_MAX_STRIPS + 1, SZ_2M, SZ_2M, 0);
	for (i = 0; i < FAMFS_MAX_STRIPS + 1; i++)
		st[i].offset = F + i * SZ_2M;
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), E2BIG, "interleaved extent with 17 strips -> E2BIG");
	expect_rc(v1_create(fd, SIMPLE_DAX_EXTENT, FAMFS_REG, SZ_2M, 0, F, SZ_2M, 0, 0), EINVAL, "v1 map with 0 extents -> EINVAL");
	expect_rc(v1_create(fd, SIMPLE_DAX_EXTENT, FAMFS_REG, SZ_2M, 3, F, SZ_2M, F + SZ_2M, SZ_2M), E2BIG, "v1 map with 3 extents -> E2BIG");

	/* EINVAL: types, devindex, alignment, lengths, overlap */
	se[0] = (struct famfs_ioc_simple_extent){ 0, F, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, 3, 1, se), EINVAL, "unknown file_type -> EINVAL");
	{
		struct famfs_ioc_fmap f;

		memset(&f, 0, sizeof(f));
		f.fioc_file_size = SZ_2M;
		f.fioc_ext_type = 2;
		f.fioc_nextents = 1;
		f.kse = (uint64_t)(uintptr_t)se;
		expect_rc(ioctl(fd, FAMFSIOC_MAP_CREATE_V2, &f), EINVAL, "unknown ext_type -> EINVAL");
	}
	se[0] = (struct famfs_ioc_simple_extent){ 1, F, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, se), EINVAL, "devindex 1 -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, F + 4096, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, se), EINVAL, "offset not 2 MiB aligned -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, F, SZ_2M + 4096 };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, se), EINVAL, "length not a 2 MiB multiple -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, F, SZ_2M };
	se[1] = (struct famfs_ioc_simple_extent){ 0, F + 4 * MiB, 0 };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 2, se), EINVAL, "zero-length extent -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, F, 4 * MiB };
	se[1] = (struct famfs_ioc_simple_extent){ 0, F + SZ_2M, 4 * MiB };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 2, se), EINVAL, "overlapping extents -> EINVAL");
	se[1] = (struct famfs_ioc_simple_extent){ 0, F, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 2, se), EINVAL, "the same extent twice -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, F, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M + 1, FAMFS_REG, 1, se), EINVAL, "file_size > mapped bytes -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, 0, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, se), EINVAL, "regular file on the superblock -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, 4 * MiB, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, se), EINVAL, "regular file inside the log -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, F, SZ_2M };
	se[1] = (struct famfs_ioc_simple_extent){ 0, 8 * MiB, 4 * MiB };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 2, se), EINVAL, "second extent reaching into the log -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, 0, 4 * MiB };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_SUPERBLOCK, 1, se), EINVAL, "superblock file of 4 MiB -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, SZ_2M, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_SUPERBLOCK, 1, se), EINVAL, "superblock file not at 0 -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, SZ_2M, 6 * MiB };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_LOG, 1, se), EINVAL, "log file shorter than 8 MiB -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, 4 * MiB, 8 * MiB };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_LOG, 1, se), EINVAL, "log file not at 2 MiB -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, SZ_2M, 8 * MiB };
	se[1] = (struct famfs_ioc_simple_extent){ 0, F, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_LOG, 2, se), EINVAL, "log file with 2 extents -> EINVAL");

	/* EINVAL: interleave geometry */
	il_setup(&ie, st, 2, 3 * MiB, 6 * MiB, F);
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "chunk size not a power of two -> EINVAL");
	il_setup(&ie, st, 2, MiB, SZ_2M, F);
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "chunk size below 2 MiB -> EINVAL");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	st[1].len = 4 * MiB;
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "strips of different lengths -> EINVAL");
	il_setup(&ie, st, 2, 4 * MiB, 6 * MiB, F);
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "strip length not a chunk multiple -> EINVAL");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	st[1].offset += 4096;
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "strip offset not 2 MiB aligned -> EINVAL");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	st[1].devindex = 1;
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "strip devindex 1 -> EINVAL");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	st[1].offset = st[0].offset;
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "overlapping strips -> EINVAL");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	ie.ie_nbytes = 0;
	expect_rc(v2_il(fd, 0, 1, &ie), EINVAL, "ie_nbytes 0 -> EINVAL");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	ie.ie_nbytes = 4 * MiB + 4096;
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "ie_nbytes > strips -> EINVAL");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	ie.ie_nbytes = 3 * MiB;
	expect_rc(v2_il(fd, 3 * MiB + 1, 1, &ie), EINVAL, "file_size > ie_nbytes -> EINVAL");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, 0);
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "strip on the superblock -> EINVAL");
	{
		struct famfs_ioc_fmap f;

		il_setup(&ie, st, 1, SZ_2M, SZ_2M, 0);
		memset(&f, 0, sizeof(f));
		f.fioc_file_size = SZ_2M;
		f.fioc_file_type = FAMFS_SUPERBLOCK;
		f.fioc_ext_type = FAMFS_IOC_EXT_INTERLEAVE;
		f.fioc_niext = 1;
		f.kie = (uint64_t)(uintptr_t)&ie;
		expect_rc(ioctl(fd, FAMFSIOC_MAP_CREATE_V2, &f), EINVAL, "interleaved superblock file -> EINVAL");
	}

	/* ENXIO: outside the device */
	se[0] = (struct famfs_ioc_simple_extent){ 0, end2m, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, se), ENXIO, "extent past the end of the device -> ENXIO");
	se[0] = (struct famfs_ioc_simple_extent){ 0, end2m - SZ_2M, 4 * MiB };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, se), ENXIO, "extent crossing the end of the device -> ENXIO");
	se[0] = (struct famfs_ioc_simple_extent){ 0, 0xffffffffffe00000ULL, 4 * MiB };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, se), ENXIO, "offset+len overflow -> ENXIO");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	st[1].offset = end2m;
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), ENXIO, "strip past the end of the device -> ENXIO");

	/* v1 rules */
	expect_rc(v1_create(fd, INTERLEAVED_EXTENT, FAMFS_REG, SZ_2M, 1, F, SZ_2M, 0, 0), EINVAL, "v1 interleaved extent type -> EINVAL");
	expect_rc(v1_create(fd, SIMPLE_DAX_EXTENT, FAMFS_REG, SZ_2M, 1, F + 4096, SZ_2M, 0, 0), EINVAL, "v1 offset not 2 MiB aligned -> EINVAL");
	expect_rc(v1_create(fd, SIMPLE_DAX_EXTENT, FAMFS_REG, SZ_2M, 1, F, SZ_2M + 100, 0, 0), EINVAL, "v1 last length not a 4 KiB multiple -> EINVAL");
	expect_rc(v1_create(fd, SIMPLE_DAX_EXTENT, FAMFS_REG, SZ_2M, 2, F, MiB, F + 4 * MiB, SZ_2M), EINVAL, "v1 first length not a 2 MiB multiple -> EINVAL");
	expect_rc(v1_create(fd, SIMPLE_DAX_EXTENT, 5, SZ_2M, 1, F, SZ_2M, 0, 0), EINVAL, "v1 unknown file_type -> EINVAL");
	expect_rc(v1_create(fd, SIMPLE_DAX_EXTENT, FAMFS_REG, SZ_2M, 1, end2m, SZ_2M, 0, 0), ENXIO, "v1 extent past the end -> ENXIO");

	/* nothing left behind by all of the above */
	st_rc = fstat(fd, &sb);
	report(!st_rc && sb.st_size == 0 && ioctl(fd, FAMFSIOC_MAP_GET_V2, &g) < 0 &&
	       errno == ENODATA && statfs_used() == used_before,
	       "failed MAP_CREATEs leave no map, size or space behind",
	       "size %lld used %" PRIu64 " (was %" PRIu64 ")", (long long)sb.st_size,
	       statfs_used(), used_before);

	/* the file is still usable; a second map is refused */
	se[0] = (struct famfs_ioc_simple_extent){ 0, F, SZ_2M };
	if (expect_rc(v2_simple(fd, SZ_2M - 4096, FAMFS_REG, 1, se), 0, "valid map after failed attempts"))
		g_mapped += SZ_2M;
	se[0] = (struct famfs_ioc_simple_extent){ 0, F + 4 * MiB, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, se), EEXIST, "second MAP_CREATE_V2 -> EEXIST");
	expect_rc(v1_create(fd, SIMPLE_DAX_EXTENT, FAMFS_REG, SZ_2M, 1, F + 4 * MiB, SZ_2M, 0, 0), EEXIST, "MAP_CREATE after MAP_CREATE_V2 -> EEXIST");
	expect_rc(ioctl(fd, FAMFSIOC_MAP_GET_V2, (void *)16), EFAULT, "MAP_GET_V2 to a bad pointer -> EFAULT");
	expect_rc(ioctl(fd, FAMFSIOC_MAP_GET, (void *)16), EFAULT, "MAP_GET to a bad pointer -> EFAULT");
	report(statfs_used() == g_mapped, "statfs counts mapped bytes",
	       "used %" PRIu64 " want %" PRIu64, statfs_used(), g_mapped);
	close(fd);
}

/* superblock/log rules; leaves sb and log mapped */
static void meta_tests(void)
{
	struct famfs_ioc_simple_extent se;
	uint8_t *buf, *got;
	int fd, fd2;

	/* before a log file is mapped the minimum log (8 MiB) is reserved */
	fd = create_empty("early");
	se = (struct famfs_ioc_simple_extent){ 0, 8 * MiB, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, &se), EINVAL, "regular file at 8 MiB before a log file -> EINVAL");
	se = (struct famfs_ioc_simple_extent){ 0, 10 * MiB, SZ_2M };
	if (expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, &se), 0, "regular file at 10 MiB before a log file"))
		g_mapped += SZ_2M;
	close(fd);

	fd = create_empty("log");
	se = (struct famfs_ioc_simple_extent){ 0, SZ_2M, 16 * MiB };
	expect_rc(v2_simple(fd, 16 * MiB, FAMFS_LOG, 1, &se), EINVAL, "16 MiB log over a mapped regular file -> EINVAL");
	se = (struct famfs_ioc_simple_extent){ 0, SZ_2M, 8 * MiB };
	if (expect_rc(v2_simple(fd, 8 * MiB, FAMFS_LOG, 1, &se), 0, "log file {2M, 8M} (after a refused map)"))
		g_mapped += 8 * MiB;
	close(fd);
	fd2 = create_empty("log2");
	expect_rc(v2_simple(fd2, 8 * MiB, FAMFS_LOG, 1, &se), EBUSY, "second log file -> EBUSY");
	close(fd2);
	expect_rc(unlink(mpath("early")), 0, "unlink a mapped regular file");
	g_mapped -= SZ_2M;

	/* superblock file; its bytes are the device's first 2 MiB */
	buf = xalloc(SZ_2M);
	got = xalloc(SZ_2M);
	pattern(buf, SZ_2M, 0x5b);
	raw_write(0, buf, SZ_2M);
	fd = create_empty("superblock");
	se = (struct famfs_ioc_simple_extent){ 0, 0, SZ_2M };
	if (expect_rc(v2_simple(fd, SZ_2M, FAMFS_SUPERBLOCK, 1, &se), 0, "superblock file {0, 2M}"))
		g_mapped += SZ_2M;
	report(pread(fd, got, SZ_2M, 0) == (ssize_t)SZ_2M && !memcmp(buf, got, SZ_2M),
	       "superblock file reads the device's first 2 MiB", NULL);
	close(fd);
	fd2 = create_empty("superblock2");
	expect_rc(v2_simple(fd2, SZ_2M, FAMFS_SUPERBLOCK, 1, &se), EBUSY, "second superblock file -> EBUSY");
	close(fd2);
	unlink(mpath("log2"));
	unlink(mpath("superblock2"));
	free(buf);
	free(got);
}

/* files without a map refuse I/O */
static void unmapped_tests(void)
{
	char buf[16] = "x";
	int fd = create_empty("nomap");
	void *p;

	expect_rc(read(fd, buf, sizeof(buf)), ENODATA, "read of a file without a map -> ENODATA");
	expect_rc(write(fd, buf, sizeof(buf)), ENODATA, "write of a file without a map -> ENODATA");
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	expect_rc(p == MAP_FAILED ? -1 : 0, ENODATA, "mmap of a file without a map -> ENODATA");
	if (p != MAP_FAILED)
		munmap(p, 4096);
	expect_rc(ftruncate(fd, 4096), EPERM, "ftruncate of an empty file to 4 KiB -> EPERM");
	expect_rc(ftruncate(fd, 0), 0, "ftruncate to the current size (0)");
	expect_rc(fsync(fd), 0, "fsync of a file without a map");
	close(fd);
	unlink(mpath("nomap"));
}

/* namespace and size changes refused */
static void refusal_tests(int fd, const struct tmap *m, const char *name)
{
	struct sockaddr_un sa;
	char buf[100];
	int fd2, s;

	expect_rc(truncate(mpath(name), m->size - 4096), EPERM, "truncate smaller -> EPERM");
	expect_rc(truncate(mpath(name), m->size + 4096), EPERM, "truncate larger (extend) -> EPERM");
	expect_rc(ftruncate(fd, 0), EPERM, "ftruncate to 0 -> EPERM");
	expect_rc(ftruncate(fd, m->size), 0, "ftruncate to the current size");
	fd2 = open(mpath(name), O_RDWR | O_TRUNC);
	expect_rc(fd2, EPERM, "open O_TRUNC -> EPERM");
	if (fd2 >= 0)
		close(fd2);
	expect_rc(fallocate(fd, 0, 0, 4096), EOPNOTSUPP, "fallocate -> EOPNOTSUPP");
	expect_rc(fallocate(fd, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 0, 4096), EOPNOTSUPP, "fallocate punch hole -> EOPNOTSUPP");

	/* writes stop at i_size: no append, no extension */
	memset(buf, 0x77, sizeof(buf));
	expect_rc(pwrite(fd, buf, sizeof(buf), m->size), ENOSPC, "write at i_size -> ENOSPC");
	expect_rc(pwrite(fd, buf, sizeof(buf), m->size + MiB), ENOSPC, "write past i_size -> ENOSPC");
	report(pwrite(fd, buf, sizeof(buf), m->size - 10) == 10,
	       "write crossing i_size is cut at i_size", NULL);
	fd2 = open(mpath(name), O_WRONLY | O_APPEND);
	expect_rc(write(fd2, buf, sizeof(buf)), ENOSPC, "O_APPEND write -> ENOSPC");
	close(fd2);
	report(pread(fd, buf, sizeof(buf), m->size) == 0, "read at i_size returns 0", NULL);
	report(pread(fd, buf, sizeof(buf), m->size - 10) == 10, "read crossing i_size is cut", NULL);
	{
		struct stat st;

		report(!fstat(fd, &st) && (uint64_t)st.st_size == m->size,
		       "size unchanged after refused changes", NULL);
	}

	expect_rc(symlink("target", mpath("sl")), EPERM, "symlink -> EPERM");
	expect_rc(link(mpath(name), mpath("hl")), EPERM, "hard link -> EPERM");
	expect_rc(mknod(mpath("chr"), S_IFCHR | 0600, makedev(1, 3)), EPERM, "mknod char device -> EPERM");
	expect_rc(mknod(mpath("blk"), S_IFBLK | 0600, makedev(7, 0)), EPERM, "mknod block device -> EPERM");
	expect_rc(mknod(mpath("fifo"), S_IFIFO | 0600, 0), EPERM, "mknod fifo -> EPERM");
	expect_rc(mknod(mpath("sock"), S_IFSOCK | 0600, 0), EPERM, "mknod socket -> EPERM");
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", mpath("usock"));
	expect_rc(bind(s, (struct sockaddr *)&sa, sizeof(sa)), EPERM, "bind a unix socket -> EPERM");
	close(s);
	expect_rc(rename(mpath(name), mpath("renamed")), EPERM, "rename -> EPERM");
	fd2 = open(g_mnt, O_TMPFILE | O_RDWR, 0600);
	expect_rc(fd2, EOPNOTSUPP, "O_TMPFILE -> EOPNOTSUPP");
	if (fd2 >= 0)
		close(fd2);
	fd2 = -1;
	if (expect_rc(mknod(mpath("regnod"), S_IFREG | 0644, 0), 0, "mknod regular file")) {
		struct stat st;

		report(!stat(mpath("regnod"), &st) && S_ISREG(st.st_mode) && st.st_size == 0,
		       "mknod made an empty regular file", NULL);
		unlink(mpath("regnod"));
	}
	{
		struct stat st;

		report(lstat(mpath("sl"), &st) && lstat(mpath("hl"), &st) &&
		       lstat(mpath("chr"), &st) && lstat(mpath("fifo"), &st) &&
		       lstat(mpath("usock"), &st) && lstat(mpath("renamed"), &st) &&
		       !lstat(mpath(name), &st),
		       "refused operations left no entries behind", NULL);
	}
}

static int share_child(void *arg)
{
	const char *path = arg;
	int fd = open(path, O_RDWR);
	uint8_t *p;

	if (fd < 0)
		return 1;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 2;
	memcpy(p + 100, "shared-by-child", 16);
	return 0;
}

static void mmap_flag_tests(int fd, const struct tmap *m, const char *name)
{
	uint64_t maplen = (m->size + 4095) & ~4095ULL;
	uint8_t *p, *q, before[64], after[64];
	int st;

	/* beyond i_size inside the mapping: SIGBUS */
	p = mmap(NULL, maplen + 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		report(false, "mmap beyond i_size", "%s", errname(errno));
	} else {
		report(touch_sigbus(p + maplen + 4096, false), "load past i_size -> SIGBUS", NULL);
		report(!touch_sigbus(p + maplen - 1, false), "load in the last page is fine", NULL);
		munmap(p, maplen + 8192);
	}

	/* two processes share a mapping */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED) {
		memset(p + 100, 0, 16);
		st = run_child(share_child, mpath(name));
		report(WIFEXITED(st) && WEXITSTATUS(st) == 0 && !memcmp(p + 100, "shared-by-child", 16),
		       "store by another process seen through this mapping", "child status %#x", st);
		munmap(p, 4096);
	}

	/*
	 * MAP_SYNC: both test devices are synchronous (memmap= pmem, and
	 * device-dax always is); the asynchronous case is the virtio-pmem
	 * test (cmd_async).
	 */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0);
	expect_rc(p == MAP_FAILED ? -1 : 0, 0, "MAP_SYNC on a synchronous device");
	if (p != MAP_FAILED) {
		p[0] = p[0];
		munmap(p, 4096);
	}

	/*
	 * MAP_PRIVATE: read-only on both devices (no copy-on-write of device
	 * memory); vm_interop.c checks the read-only private mappings.
	 */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	expect_rc(p == MAP_FAILED ? -1 : 0, EINVAL, "writable MAP_PRIVATE -> EINVAL");
	if (p != MAP_FAILED)
		munmap(p, 4096);
	tmap_raw_read(m, before, 0, sizeof(before));
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (report(p != MAP_FAILED, "read-only MAP_PRIVATE", "%s", errname(errno))) {
		q = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		report(q != MAP_FAILED && !memcmp(p, before, 64) && !memcmp(q, before, 64),
		       "read-only MAP_PRIVATE reads what a shared mapping reads", NULL);
		expect_rc(mprotect(p, 4096, PROT_READ | PROT_WRITE), EACCES,
			  "mprotect of a read-only MAP_PRIVATE to writable -> EACCES");
		tmap_raw_read(m, after, 0, sizeof(after));
		report(!memcmp(before, after, 64), "device unchanged", NULL);
		if (q != MAP_FAILED)
			munmap(q, 4096);
		munmap(p, 4096);
	}
}

static void v1_tests(void)
{
	/* v1: 2 extents, last one shorter than 2 MiB (4 KiB multiple) */
	struct tmap m = { .ftype = FAMFS_REG, .n = 2,
			  .off = { 200 * MiB, 210 * MiB },
			  .len = { SZ_2M, MiB + 12 * KiB } };
	struct famfs_ioc_map g;
	struct famfs_extent ext[FAMFS_MAX_EXTENTS];
	long faults;
	uint8_t *p;
	int fd;

	m.size = SZ_2M + MiB + 12 * KiB - 1;
	fd = create_empty("v1file");
	if (!expect_rc(v1_create(fd, SIMPLE_DAX_EXTENT, FAMFS_REG, m.size, 2, m.off[0], m.len[0], m.off[1], m.len[1]),
		       0, "v1 MAP_CREATE with a short last extent"))
		return;
	g_mapped += tmap_devbytes(&m);
	memset(&g, 0, sizeof(g));
	report(!ioctl(fd, FAMFSIOC_MAP_GET, &g) && g.extent_type == SIMPLE_DAX_EXTENT &&
	       g.file_size == m.size && g.ext_list_count == 2 &&
	       g.ext_list[0].offset == m.off[0] && g.ext_list[1].len == m.len[1],
	       "v1 MAP_GET returns the map", "%s", errname(errno));
	memset(ext, 0, sizeof(ext));
	report(!ioctl(fd, FAMFSIOC_MAP_GETEXT, ext) && ext[0].offset == m.off[0] &&
	       ext[0].len == m.len[0] && ext[1].offset == m.off[1] && ext[1].len == m.len[1],
	       "v1 MAP_GETEXT returns the extents", "%s", errname(errno));
	{
		char d[128];

		report(!tmap_compare_get(fd, &m, d, sizeof(d)), "MAP_GET_V2 of a v1 map", "%s", d);
	}
	data_tests("v1 map", fd, &m, 0x3100);

	/* the short last extent cannot take a 2 MiB fault: 4 KiB faults */
	p = mmap(NULL, 3 * MiB + 12 * KiB, PROT_READ, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED) {
		char nm[128];

		faults = touch_pages(p + SZ_2M, MiB + 12 * KiB, false);
		snprintf(nm, sizeof(nm), "4 KiB faults where no 2 MiB fault fits (%ld faults for 259 pages)", faults);
		report(faults >= 200, nm, NULL);
		munmap(p, 3 * MiB + 12 * KiB);
	}
	close(fd);
}

static void dir_tests(void)
{
	struct tmap m = { .ftype = FAMFS_REG, .n = 1, .off = { 220 * MiB },
			  .len = { SZ_2M }, .size = SZ_2M };
	uint64_t used;
	int fd;

	expect_rc(mkdir(mpath("dir"), 0755), 0, "mkdir");
	expect_rc(mkdir(mpath("dir/sub"), 0755), 0, "mkdir nested");
	fd = create_mapped("dir/sub/f", &m);
	if (fd >= 0)
		close(fd);
	used = statfs_used();
	expect_rc(rmdir(mpath("dir/sub")), ENOTEMPTY, "rmdir of a non-empty directory -> ENOTEMPTY");
	expect_rc(unlink(mpath("dir/sub/f")), 0, "unlink a mapped file");
	g_mapped -= SZ_2M;
	report(statfs_used() == used - SZ_2M, "unlink releases the mapped bytes in statfs",
	       "used %" PRIu64 " want %" PRIu64, statfs_used(), used - SZ_2M);
	expect_rc(rmdir(mpath("dir/sub")), 0, "rmdir");
	expect_rc(rmdir(mpath("dir")), 0, "rmdir parent");
	/* the freed range can be mapped again */
	fd = create_mapped("reuse", &m);
	if (fd >= 0)
		close(fd);
}

/* ---- other ways in and out: splice, O_DIRECT, offset mmap, GUP ---- */

static int tmp_file_with(const uint8_t *buf, uint64_t len)
{
	int fd = open("/tmp/famfs-io", O_CREAT | O_TRUNC | O_RDWR, 0600);

	if (fd < 0 || pwrite(fd, buf, len, 0) != (ssize_t)len)
		return -1;
	return fd;
}

struct suid_arg {
	const char *path;
};

static int suid_child(void *arg)
{
	struct suid_arg *a = arg;
	int fd = open(a->path, O_WRONLY);
	char c = 'x';

	if (fd < 0)
		return 1;
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 2;
	return pwrite(fd, &c, 1, 0) == 1 ? 0 : 3;
}

static void io_path_tests(int fd, const struct tmap *m, const char *name)
{
	uint64_t size = m->size, len = 3 * MiB + 4096, off = 4 * MiB + 8192;
	uint8_t *exp = xalloc(size), *got = xalloc(size), *buf = xalloc(len);
	struct stat st1, st2;
	struct iovec liov, riov;
	int tfd, dfd, rfd;
	loff_t o;
	ssize_t n;
	uint8_t *p;

	if (pread(fd, exp, size, 0) != (ssize_t)size) {
		report(false, "pread whole file", "%s", errname(errno));
		goto out;
	}

	/* sendfile out of famfs (->splice_read) */
	tfd = open("/tmp/famfs-out", O_CREAT | O_TRUNC | O_RDWR, 0600);
	o = 0;
	n = sendfile(tfd, fd, &o, size);
	memset(got, 0, size);
	report(n == (ssize_t)size && pread(tfd, got, size, 0) == (ssize_t)size &&
	       !memcmp(got, exp, size), "sendfile from a famfs file",
	       "sendfile returned %zd (%s)", n, n < 0 ? errname(errno) : "short/different");
	close(tfd);
	unlink("/tmp/famfs-out");

	/* sendfile into famfs (->splice_write) */
	pattern(buf, len, 0x5e4d);
	tfd = tmp_file_with(buf, len);
	o = 0;
	if (lseek(fd, off, SEEK_SET) != (off_t)off)
		report(false, "lseek", "%s", errname(errno));
	n = sendfile(fd, tfd, &o, len);
	report(n == (ssize_t)len && pread(fd, got, len, off) == (ssize_t)len &&
	       !memcmp(got, buf, len), "sendfile into a famfs file",
	       "sendfile returned %zd (%s)", n, n < 0 ? errname(errno) : "short/different");
	lseek(fd, 0, SEEK_SET);
	/* the expected bytes from here on are what the file holds now */
	if (pread(fd, exp, size, 0) != (ssize_t)size)
		report(false, "pread whole file", "%s", errname(errno));
	close(tfd);
	unlink("/tmp/famfs-io");

	expect_rc(fsync(fd), 0, "fsync");
	expect_rc(fdatasync(fd), 0, "fdatasync");
	expect_rc(sync_file_range(fd, 0, 4096, SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER), 0,
		  "sync_file_range");

	/* O_DIRECT opens and reads like any other (DAX) */
	dfd = open(mpath(name), O_RDWR | O_DIRECT);
	report(dfd >= 0 && pread(dfd, got, 2 * MiB, 0) == (ssize_t)(2 * MiB) &&
	       !memcmp(got, exp, 2 * MiB), "O_DIRECT open and read", "%s", errname(errno));
	if (dfd >= 0)
		close(dfd);

	/* a mapping at a file offset that is not 2 MiB aligned */
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, off);
	report(p != MAP_FAILED && !memcmp(p, exp + off, len),
	       "mmap at file offset 4 MiB + 8 KiB reads the right bytes", "%s",
	       p == MAP_FAILED ? errname(errno) : "bytes differ");
	if (p != MAP_FAILED)
		munmap(p, len);

	/* get_user_pages on famfs mappings: process_vm_readv/writev, O_DIRECT */
	p = mmap(NULL, (size + 4095) & ~4095ULL, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		report(false, "mmap", "%s", errname(errno));
		goto out;
	}
	memset(got, 0, size);
	liov = (struct iovec){ got, size };
	riov = (struct iovec){ p, size };
	n = process_vm_readv(getpid(), &liov, 1, &riov, 1, 0);
	report(n == (ssize_t)size && !memcmp(got, exp, size),
	       "process_vm_readv of a famfs mapping (GUP)", "returned %zd %s", n,
	       n < 0 ? errname(errno) : "");
	pattern(buf, 65536, 0x6a7);
	liov = (struct iovec){ buf, 65536 };
	riov = (struct iovec){ p + 3 * MiB, 65536 };
	n = process_vm_writev(getpid(), &liov, 1, &riov, 1, 0);
	report(n == 65536 && pread(fd, got, 65536, 3 * MiB) == 65536 && !memcmp(got, buf, 65536),
	       "process_vm_writev into a famfs mapping (GUP)", "returned %zd %s", n, errname(errno));
	/* O_DIRECT read of a block device into a famfs mapping */
	rfd = open("/dev/ram0", O_RDWR | O_DIRECT);
	if (rfd >= 0) {
		pattern(buf, 2 * MiB, 0x7a8);
		n = pwrite(rfd, buf, 2 * MiB, 0);
		n = n == (ssize_t)(2 * MiB) ? pread(rfd, p + 6 * MiB, 2 * MiB, 0) : -1;
		report(n == (ssize_t)(2 * MiB) && pread(fd, got, 2 * MiB, 6 * MiB) == (ssize_t)(2 * MiB) &&
		       !memcmp(got, buf, 2 * MiB), "O_DIRECT read from /dev/ram0 into a famfs mapping (GUP)",
		       "returned %zd %s", n, errname(errno));
		close(rfd);
	} else {
		report(false, "open /dev/ram0 O_DIRECT", "%s", errname(errno));
	}
	munmap(p, (size + 4095) & ~4095ULL);

	/* write() updates mtime and drops set-user-ID for unprivileged writers */
	fstat(fd, &st1);
	usleep(20000);
	n = pwrite(fd, "m", 1, 0);
	fstat(fd, &st2);
	report(n == 1 && (st2.st_mtim.tv_sec != st1.st_mtim.tv_sec ||
			  st2.st_mtim.tv_nsec != st1.st_mtim.tv_nsec),
	       "write() updates mtime", NULL);
	if (!fchmod(fd, 04777)) {
		struct suid_arg a = { mpath(name) };
		int wst = run_child(suid_child, &a);

		fstat(fd, &st2);
		report(WIFEXITED(wst) && WEXITSTATUS(wst) == 0 && !(st2.st_mode & S_ISUID),
		       "write() by an unprivileged user clears set-user-ID",
		       "child status %#x mode %o", wst, st2.st_mode & 07777);
		fchmod(fd, 0644);
	}
out:
	free(exp);
	free(got);
	free(buf);
}

/* device-dax memory failure: not handled by famfs (no notification) */
static int hwpoison_child(void *arg)
{
	uint8_t *p = arg;

	return madvise(p, 4096, MADV_HWPOISON) ? errno : 0;
}

static void devdax_hwpoison_test(void)
{
	struct tmap m = { .ftype = FAMFS_REG, .n = 1, .off = { 236 * MiB },
			  .len = { SZ_2M }, .size = SZ_2M };
	char buf[4096];
	uint8_t *p;
	int fd, st;

	fd = create_mapped("hwp", &m);
	if (fd < 0)
		return;
	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED) {
		memset(p, 0x44, SZ_2M);
		st = run_child(hwpoison_child, p + 8192);
		info("MADV_HWPOISON on a device-dax famfs page: child status %#x (exit %s)", st,
		     WIFEXITED(st) ? errname(WEXITSTATUS(st)) : "signal");
		report(pread(fd, buf, sizeof(buf), 0) == sizeof(buf) && buf[0] == 0x44,
		       "device-dax: MADV_HWPOISON is survived, the file stays readable", NULL);
		munmap(p, SZ_2M);
	}
	close(fd);
}

/* an address no process maps (volatile: the compiler must not see it) */
static void *volatile g_bad_ptr = (void *)16;

/* bad user buffers, mprotect, misaligned fixed mappings */
static void user_buffer_tests(int fd, const struct tmap *m)
{
	uint64_t len = 4 * MiB;
	uint8_t *exp = xalloc(len), *buf, *p, *q;
	ssize_t n;

	if (pread(fd, exp, len, 0) != (ssize_t)len) {
		report(false, "pread", "%s", errname(errno));
		free(exp);
		return;
	}
	expect_rc(pread(fd, g_bad_ptr, 4096, 0), EFAULT, "read() into a bad user buffer -> EFAULT");
	expect_rc(pwrite(fd, g_bad_ptr, 4096, 0), EFAULT, "write() from a bad user buffer -> EFAULT");
	/* a buffer whose second page is inaccessible: short count */
	buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf != MAP_FAILED) {
		mprotect(buf + 4096, 4096, PROT_NONE);
		n = pread(fd, buf, 8192, 0);
		report(n == 4096 && !memcmp(buf, exp, 4096),
		       "read() into a half-bad buffer returns the good part", "returned %zd %s", n,
		       n < 0 ? errname(errno) : "");
		n = pwrite(fd, buf, 8192, 0);
		report(n == 4096, "write() from a half-bad buffer writes the good part",
		       "returned %zd %s", n, n < 0 ? errname(errno) : "");
		munmap(buf, 8192);
	}

	/* read-only mapping, 2 MiB faults, then mprotect to writable and store */
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED) {
		touch_pages(p, len, false);
		if (expect_rc(mprotect(p, len, PROT_READ | PROT_WRITE), 0, "mprotect a shared read-only mapping writable")) {
			p[SZ_2M + 5] = 0xab;
			p[100] = 0xcd;
			exp[SZ_2M + 5] = 0xab;
			exp[100] = 0xcd;
			msync(p, len, MS_SYNC);
			q = xalloc(len);
			tmap_raw_read(m, q, 0, len);
			report(!memcmp(q, exp, len), "stores after mprotect land on the device", NULL);
			free(q);
		}
		munmap(p, len);
	}

	/* a MAP_FIXED mapping 4 KiB off a 2 MiB boundary: 4 KiB faults, right bytes */
	q = mmap(NULL, len + 2 * SZ_2M, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q != MAP_FAILED) {
		uint8_t *at = (uint8_t *)(((uintptr_t)q + SZ_2M - 1) & ~(SZ_2M - 1)) + 4096;

		p = mmap(at, len, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
		report(p == at && !memcmp(p, exp, len),
		       "MAP_FIXED mapping not 2 MiB aligned reads the right bytes", "%s",
		       p == MAP_FAILED ? errname(errno) : "bytes differ");
		munmap(q, len + 2 * SZ_2M);
	}
	free(exp);
}

/* the largest maps: 16 simple extents, 16 strips; and a zero-size file */
static void limit_tests(void)
{
	struct tmap s16 = { .ftype = FAMFS_REG, .n = 16 };
	struct tmap i16 = { .ftype = FAMFS_REG, .interleaved = true, .n = 16,
			    .chunk = SZ_2M, .nbytes = 32 * MiB };
	struct tmap z = { .ftype = FAMFS_REG, .n = 1, .off = { 406 * MiB },
			  .len = { SZ_2M }, .size = 0 };
	char buf[16];
	uint32_t i;
	uint8_t *p;
	int fd;

	/* extents in reverse device order, strips interleaved with gaps */
	for (i = 0; i < 16; i++) {
		s16.off[i] = 330 * MiB + (15 - i) * SZ_2M;
		s16.len[i] = SZ_2M;
		i16.off[i] = 370 * MiB + ((i * 7) % 16) * SZ_2M;
		i16.len[i] = SZ_2M;
	}
	s16.size = 32 * MiB - 1;
	i16.size = 32 * MiB - 4096;
	fd = create_mapped("s16", &s16);
	if (fd >= 0) {
		char d[128];

		report(!tmap_compare_get(fd, &s16, d, sizeof(d)), "MAP_GET_V2 returns 16 extents", "%s", d);
		data_tests("16-extent map", fd, &s16, 0x1600);
		close(fd);
	}
	fd = create_mapped("i16", &i16);
	if (fd >= 0) {
		char d[128];

		report(!tmap_compare_get(fd, &i16, d, sizeof(d)), "MAP_GET_V2 returns 16 strips", "%s", d);
		data_tests("16-strip map", fd, &i16, 0x1610);
		close(fd);
	}
	fd = create_mapped("zero", &z);
	if (fd >= 0) {
		struct stat st;

		report(!fstat(fd, &st) && st.st_size == 0, "zero-size file: size 0", NULL);
		report(read(fd, buf, sizeof(buf)) == 0, "zero-size file: read returns 0", NULL);
		expect_rc(write(fd, buf, sizeof(buf)), ENOSPC, "zero-size file: write -> ENOSPC");
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		if (report(p != MAP_FAILED, "zero-size file: mmap", "%s", errname(errno))) {
			report(touch_sigbus(p, false), "zero-size file: load -> SIGBUS", NULL);
			munmap(p, 4096);
		}
		close(fd);
	}
}

/* ---- unmount, remount, rmmod ---- */

static void lifecycle_tests(const char *dev, const struct tmap *a)
{
	uint64_t maplen = (a->size + 4095) & ~4095ULL;
	uint8_t *exp = xalloc(a->size), *got = xalloc(a->size), *p;
	int fd, fd2;
	char d[128];
	DIR *dir;
	struct dirent *de;
	int entries = 0;

	fd = open(mpath("A"), O_RDWR);
	if (fd < 0) {
		report(false, "open A", "%s", errname(errno));
		return;
	}
	pattern(exp, a->size, 0xa11);
	report(pwrite(fd, exp, a->size, 0) == (ssize_t)a->size, "write A before unmount", NULL);

	/* a second mount of the device is refused while mounted */
	mkdir("/mnt2", 0755);
	expect_rc(mount_famfs(dev, "/mnt2", 0, NULL), EBUSY, "second mount of the same device -> EBUSY");

	/* umount with an open file, then with a mapping */
	expect_rc(umount2(g_mnt, 0), EBUSY, "umount with an open file -> EBUSY");
	p = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	expect_rc(umount2(g_mnt, 0), EBUSY, "umount with a mapped file -> EBUSY");
	if (p != MAP_FAILED)
		munmap(p, maplen);
	expect_rc(umount2(g_mnt, 0), 0, "umount after close and munmap");
	report(!is_mounted(g_mnt), "mount point is gone from /proc/mounts", NULL);

	/* remount: empty namespace, same bytes under the same map */
	if (!expect_rc(mount_famfs(dev, g_mnt, 0, NULL), 0, "remount"))
		goto out;
	dir = opendir(g_mnt);
	while (dir && (de = readdir(dir)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			entries++;
	if (dir)
		closedir(dir);
	report(entries == 0 && statfs_used() == 0, "remount starts with an empty namespace",
	       "%d entries, %" PRIu64 " bytes used", entries, statfs_used());
	fd = create_mapped("A", a);
	if (fd < 0)
		goto out;
	report(!tmap_compare_get(fd, a, d, sizeof(d)), "MAP_GET_V2 after remount", "%s", d);
	report(pread(fd, got, a->size, 0) == (ssize_t)a->size && !memcmp(got, exp, a->size),
	       "data written before unmount reads back after remount", NULL);
	close(fd);

	/* read-only remount */
	if (expect_rc(mount(NULL, g_mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0, "remount read-only")) {
		fd2 = open(mpath("A"), O_RDWR);
		expect_rc(fd2, EROFS, "open for write on a read-only mount -> EROFS");
		if (fd2 >= 0)
			close(fd2);
		fd2 = open(mpath("new"), O_CREAT | O_RDWR, 0644);
		expect_rc(fd2, EROFS, "create on a read-only mount -> EROFS");
		if (fd2 >= 0)
			close(fd2);
		fd2 = open(mpath("A"), O_RDONLY);
		report(fd2 >= 0 && pread(fd2, got, 4096, 0) == 4096 && !memcmp(got, exp, 4096),
		       "read on a read-only mount", NULL);
		if (fd2 >= 0)
			close(fd2);
		expect_rc(mount(NULL, g_mnt, NULL, MS_REMOUNT, NULL), 0, "remount read-write");
		fd2 = open(mpath("A"), O_RDWR);
		report(fd2 >= 0 && pwrite(fd2, exp, 4096, 0) == 4096, "write after remount read-write", NULL);
		if (fd2 >= 0)
			close(fd2);
	}

	/* lazy unmount with a live mapping: rmmod waits for the last user */
	fd = open(mpath("A"), O_RDWR);
	p = fd >= 0 ? mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
	if (fd >= 0)
		close(fd);
	if (p == MAP_FAILED) {
		report(false, "mmap before lazy umount", "%s", errname(errno));
		goto out;
	}
	expect_rc(umount2(g_mnt, MNT_DETACH), 0, "lazy umount (MNT_DETACH) with a live mapping");
	report(!is_mounted(g_mnt), "lazily unmounted mount point is detached", NULL);
	report(!memcmp(p + 4096, exp + 4096, a->size - 4096), "live mapping still reads the file after lazy umount", NULL);
	p[0] = 0x42;
	report(p[0] == 0x42, "live mapping still writable after lazy umount", NULL);
	expect_rc(famfs_unload(), EWOULDBLOCK, "rmmod while a detached mount is mapped -> EWOULDBLOCK");
	expect_rc(mount_famfs(dev, g_mnt, 0, NULL), EBUSY, "mount while the detached mount holds the device -> EBUSY");
	munmap(p, maplen);
	if (expect_rc(mount_famfs(dev, g_mnt, 0, NULL), 0, "device released after the last mapping went (mount again)"))
		expect_rc(umount2(g_mnt, 0), 0, "umount");
	expect_rc(famfs_unload(), 0, "rmmod famfs");
	report(!famfs_registered(), "famfs gone from /proc/filesystems after rmmod", NULL);
	expect_rc(mount_famfs(dev, g_mnt, 0, NULL), ENODEV, "mount without the module -> ENODEV");
	expect_rc(famfs_load(), 0, "insmod famfs again");
	if (expect_rc(mount_famfs(dev, g_mnt, 0, NULL), 0, "mount after reload"))
		expect_rc(umount2(g_mnt, 0), 0, "umount after reload");
out:
	free(exp);
	free(got);
}

int cmd_fs(bool devdax, const char *dev, const char *mnt)
{
	struct tmap a = { .ftype = FAMFS_REG, .n = 3,
			  .off = { 40 * MiB, 24 * MiB, 60 * MiB },
			  .len = { 4 * MiB, SZ_2M, 6 * MiB } };
	struct tmap b = { .ftype = FAMFS_REG, .interleaved = true, .n = 3,
			  .off = { 100 * MiB, 80 * MiB, 90 * MiB },
			  .len = { 4 * MiB, 4 * MiB, 4 * MiB },
			  .chunk = SZ_2M, .nbytes = 12 * MiB };
	struct tmap c = { .ftype = FAMFS_REG, .n = 1, .off = { 128 * MiB },
			  .len = { 16 * MiB }, .size = 16 * MiB };
	struct tmap dd = { .ftype = FAMFS_REG, .interleaved = true, .n = 2,
			   .off = { 176 * MiB, 160 * MiB },
			   .len = { 8 * MiB, 8 * MiB },
			   .chunk = 4 * MiB, .nbytes = 16 * MiB, .size = 16 * MiB };
	struct statfs sfs;
	char d[160];
	int fd;

	g_devdax = devdax;
	g_mnt = mnt;
	g_mapped = 0;
	set_tag(devdax ? "devdax" : "pmem");
	a.size = 12 * MiB - 3 * 4096 - 100;
	b.size = 12 * MiB - 5000;

	g_devsize = dev_size_of(dev);
	info("device %s, %" PRIu64 " bytes", dev, g_devsize);
	if (!report(g_devsize >= 256 * MiB, "device present and large enough", "size %" PRIu64, g_devsize))
		return 1;
	if (!report(!raw_open(devdax, dev), "raw device access", "%s", errname(errno)))
		return 1;
	mkdir(mnt, 0755);
	if (!expect_rc(mount_famfs(dev, mnt, 0, NULL), 0, "mount -t famfs %s", dev))
		return 1;
	report(is_mounted(mnt), "mount listed in /proc/mounts", NULL);
	report(!statfs(mnt, &sfs) && (uint32_t)sfs.f_type == FAMFS_SUPER_MAGIC &&
	       (uint64_t)sfs.f_blocks * sfs.f_bsize == g_devsize && sfs.f_blocks == sfs.f_bfree,
	       "statfs: magic, device size, nothing used",
	       "type %#lx blocks %lu bsize %ld free %lu", (unsigned long)sfs.f_type,
	       (unsigned long)sfs.f_blocks, (long)sfs.f_bsize, (unsigned long)sfs.f_bfree);

	meta_tests();
	ioctl_errno_tests();
	unmapped_tests();

	/* simple map, 3 extents out of device order */
	fd = create_mapped("A", &a);
	if (fd >= 0) {
		report(!tmap_compare_get(fd, &a, d, sizeof(d)), "MAP_GET_V2 returns the simple map", "%s", d);
		data_tests("simple map", fd, &a, 0xa000);
		refusal_tests(fd, &a, "A");
		mmap_flag_tests(fd, &a, "A");
		io_path_tests(fd, &a, "A");
		user_buffer_tests(fd, &a);
		close(fd);
	}
	/* interleaved map, 3 strips out of device order */
	fd = create_mapped("B", &b);
	if (fd >= 0) {
		struct famfs_extent ext[FAMFS_MAX_SIMPLE_EXTENTS];
		struct famfs_ioc_map g1;

		report(!tmap_compare_get(fd, &b, d, sizeof(d)), "MAP_GET_V2 returns the interleaved map", "%s", d);
		expect_rc(ioctl(fd, FAMFSIOC_MAP_GETEXT, ext), EINVAL, "MAP_GETEXT of an interleaved map -> EINVAL");
		memset(&g1, 0, sizeof(g1));
		report(!ioctl(fd, FAMFSIOC_MAP_GET, &g1) && g1.extent_type == INTERLEAVED_EXTENT &&
		       g1.file_size == b.size, "v1 MAP_GET of an interleaved map says INTERLEAVED_EXTENT", NULL);
		data_tests("interleaved map", fd, &b, 0xb000);
		close(fd);
	}
	v1_tests();

	/* 2 MiB faults: simple and interleaved maps, loads and stores */
	fd = create_mapped("C", &c);
	if (fd >= 0) {
		pmd_test("simple map", fd, c.size, false);
		pmd_test("simple map", fd, c.size, true);
		data_tests("simple 16 MiB map", fd, &c, 0xc000);
		close(fd);
	}
	fd = create_mapped("D", &dd);
	if (fd >= 0) {
		pmd_test("interleaved map (4 MiB chunks)", fd, dd.size, false);
		pmd_test("interleaved map (4 MiB chunks)", fd, dd.size, true);
		data_tests("interleaved 4 MiB-chunk map", fd, &dd, 0xd000);
		close(fd);
	}
	dir_tests();
	limit_tests();
	if (devdax)
		devdax_hwpoison_test();
	report(statfs_used() == g_mapped, "statfs used bytes = bytes mapped by files",
	       "used %" PRIu64 " want %" PRIu64, statfs_used(), g_mapped);

	lifecycle_tests(dev, &a);
	raw_close();
	return g_fail ? 1 : 0;
}
