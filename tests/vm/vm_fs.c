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
#include "vm_fs.h"

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

bool g_devdax;
const char *g_mnt;
uint64_t g_devsize;
uint64_t g_mapped;	/* device bytes mapped by files, as the test counts */

char *mpath(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", g_mnt, name);
	return buf[i];
}

uint64_t statfs_used(void)
{
	struct statfs s;

	if (statfs(g_mnt, &s))
		return UINT64_MAX;
	return (uint64_t)(s.f_blocks - s.f_bfree) * s.f_bsize;
}

int create_empty(const char *name)
{
	return open(mpath(name), O_CREAT | O_EXCL | O_RDWR, 0644);
}

/* Create NAME and give it map M; reports one check. Returns fd or -1. */
int create_mapped(const char *name, const struct tmap *m)
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

void data_tests(const char *label, int fd, const struct tmap *m,
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

long touch_pages(volatile uint8_t *p, uint64_t len, bool write)
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
