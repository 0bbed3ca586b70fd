// SPDX-License-Identifier: GPL-2.0
/*
 * famfs VM tests: what the reference famfs user space needs from the
 * module (issue 10), on pmem and on device-dax:
 *   - mount options dax=always (and the dax flag), mode=, uid=, gid=, with
 *     every other dax= value and every bad value refused with EINVAL;
 *   - private read-only mappings (the reference maps .meta/.superblock and
 *     .meta/.log that way), which can never become writable: writable
 *     MAP_PRIVATE -> EINVAL, mprotect(PROT_WRITE) -> EACCES, a forced write
 *     through /proc/self/mem fails and leaves the device unchanged;
 *   - a map over bytes another file maps (a cross-link, what the
 *     reference's "famfs clone" makes) -> EEXIST, until the other file's
 *     last user is gone. run.sh fails the guest on any WARNING.
 */
#include "vmtest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

static const char *i_mnt;
static char i_path[512];

static const char *ipath(const char *name)
{
	snprintf(i_path, sizeof(i_path), "%s/%s", i_mnt, name);
	return i_path;
}

static uint64_t used_bytes(void)
{
	struct statfs s;

	if (statfs(i_mnt, &s))
		return UINT64_MAX;
	return (uint64_t)(s.f_blocks - s.f_bfree) * s.f_bsize;
}

/* an empty file, or one mapped as m (fd returned, -1 on failure) */
static int make_file(const char *name, const struct tmap *m, int want)
{
	int fd = open(ipath(name), O_CREAT | O_EXCL | O_RDWR, 0644);

	if (fd < 0) {
		report(false, name, "create: %s", errname(errno));
		return -1;
	}
	if (m && !expect_rc(tmap_create(fd, m), want, "map %s -> %s", name,
			    want ? errname(want) : "0")) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool root_is(mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st;

	return !stat(i_mnt, &st) && S_ISDIR(st.st_mode) &&
	       (st.st_mode & 07777) == mode && st.st_uid == uid &&
	       st.st_gid == gid;
}

/* does the /proc/mounts line of the mount point hold WORD in its options? */
static bool mount_options_have(const char *word)
{
	char line[1024], dev[256], mp[256], type[64], opts[512];
	FILE *f = fopen("/proc/mounts", "r");
	bool found = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %255s %63s %511s", dev, mp, type, opts) == 4 &&
		    !strcmp(mp, i_mnt) && !strcmp(type, "famfs"))
			found = strstr(opts, word) != NULL;
	fclose(f);
	return found;
}

static void mount_option_tests(const char *dev)
{
	static const char *const bad[] = {
		"dax=never", "dax=inode", "dax=", "dax=ALWAYS", "mode=10000",
		"mode=abc", "mode=", "uid=abc", "uid=-1", "uid=4294967295",
		"gid=x", "gid=4294967295", "size=1G",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_rc(mount_famfs(dev, i_mnt, 0, bad[i]), EINVAL, "mount -o %s -> EINVAL", bad[i]);

	if (expect_rc(mount_famfs(dev, i_mnt, 0, "dax=always,mode=0750,uid=1234,gid=4321"), 0,
		      "mount -o dax=always,mode=0750,uid=1234,gid=4321 (after the refused ones)")) {
		report(root_is(0750, 1234, 4321), "root directory: mode 0750, owner 1234:4321", NULL);
		report(mount_options_have("mode=750") && mount_options_have("uid=1234") &&
		       mount_options_have("gid=4321"), "/proc/mounts shows mode=, uid=, gid=", NULL);
		expect_rc(mount(NULL, i_mnt, NULL, MS_REMOUNT, "mode=0700,gid=55"), 0,
			  "remount -o mode=0700,gid=55");
		report(root_is(0700, 1234, 55), "remount changes the root's mode and group, keeps its owner",
		       NULL);
		expect_rc(mount(NULL, i_mnt, NULL, MS_REMOUNT, "dax=never"), EINVAL,
			  "remount -o dax=never -> EINVAL");
		expect_rc(umount2(i_mnt, 0), 0, "umount");
	}
	if (expect_rc(mount_famfs(dev, i_mnt, 0, "dax"), 0, "mount -o dax")) {
		report(root_is(0755, 0, 0), "without mode=/uid=/gid= the root is 0755 root:root", NULL);
		report(!mount_options_have("mode="), "/proc/mounts shows no mode= when none was given",
		       NULL);
		expect_rc(umount2(i_mnt, 0), 0, "umount");
	}
}

/*
 * A private read-only mapping of NAME (LEN bytes, opened with FLAGS) reads
 * WANT (wlen bytes) and can never be written. dev_off: where the bytes live.
 */
static void private_mapping_checks(const char *name, int flags, uint64_t len,
				   const uint8_t *want, uint64_t wlen,
				   uint64_t dev_off)
{
	uint8_t *p, *raw = xalloc(4096);
	char junk[16] = "forced-cow-write";
	int fd = open(ipath(name), flags), mfd;
	ssize_t n;

	if (!report(fd >= 0, name, "open: %s", errname(errno)))
		goto out;
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (!report(p != MAP_FAILED, "private read-only mmap", "%s: %s", name, errname(errno))) {
		close(fd);
		goto out;
	}
	report(!memcmp(p, want, wlen), "private read-only mapping reads the device bytes", "%s", name);
	expect_rc(mprotect(p, len, PROT_READ | PROT_WRITE), EACCES,
		  "mprotect of a private mapping to PROT_WRITE -> EACCES (%s)", name);
	expect_rc(mprotect(p, len, PROT_READ | PROT_EXEC), 0, "mprotect to PROT_READ|PROT_EXEC (%s)",
		  name);
	mfd = open("/proc/self/mem", O_RDWR);
	n = mfd >= 0 ? pwrite(mfd, junk, sizeof(junk), (off_t)(uintptr_t)p) : -1;
	if (mfd >= 0)
		close(mfd);
	report(n < 0 && !raw_read(dev_off, raw, 4096) && !memcmp(raw, want, 4096) &&
	       !memcmp(p, want, sizeof(junk)),
	       "forced write into a private mapping (/proc/self/mem) refused, device unchanged",
	       "%s: pwrite %zd", name, n);
	munmap(p, len);
	if ((flags & O_ACCMODE) == O_RDWR) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		expect_rc(p == MAP_FAILED ? -1 : 0, EINVAL, "writable MAP_PRIVATE -> EINVAL (%s)", name);
		if (p != MAP_FAILED)
			munmap(p, len);
	}
	close(fd);
out:
	free(raw);
}

static void private_mapping_tests(void)
{
	struct tmap sb = { .ftype = FAMFS_SUPERBLOCK, .n = 1, .off = { 0 }, .len = { SZ_2M },
			   .size = SZ_2M };
	struct tmap log = { .ftype = FAMFS_LOG, .n = 1, .off = { SZ_2M }, .len = { 8 * MiB },
			    .size = 8 * MiB };
	struct tmap data = { .ftype = FAMFS_REG, .n = 2, .off = { 44 * MiB, 32 * MiB },
			     .len = { SZ_2M, 4 * MiB }, .size = 6 * MiB - 4096 };
	uint8_t *buf = xalloc(6 * MiB), *p, *q;
	int fd;

	/* the reference's layout: .meta/.superblock and .meta/.log */
	expect_rc(mkdir(ipath(".meta"), 0700), 0, "mkdir .meta");
	pattern(buf, 64 * KiB, 0x5b0);
	raw_write(0, buf, 64 * KiB);
	fd = make_file(".meta/.superblock", &sb, 0);
	if (fd >= 0) {
		close(fd);
		private_mapping_checks(".meta/.superblock", O_RDONLY, SZ_2M, buf, 64 * KiB, 0);
	}
	pattern(buf, 64 * KiB, 0x10f);
	raw_write(SZ_2M, buf, 64 * KiB);
	fd = make_file(".meta/.log", &log, 0);
	if (fd >= 0) {
		close(fd);
		private_mapping_checks(".meta/.log", O_RDONLY, 8 * MiB, buf, 64 * KiB, SZ_2M);
		private_mapping_checks(".meta/.log", O_RDWR, 8 * MiB, buf, 64 * KiB, SZ_2M);
	}

	/* a regular file: a private mapping is a view, not a copy */
	fd = make_file("data", &data, 0);
	if (fd < 0)
		goto out;
	pattern(buf, data.size, 0xda7a);
	report(pwrite(fd, buf, data.size, 0) == (ssize_t)data.size, "write the regular file", NULL);
	close(fd);
	private_mapping_checks("data", O_RDWR, data.size, buf, 64 * KiB, 44 * MiB);
	fd = open(ipath("data"), O_RDWR);
	p = mmap(NULL, data.size, PROT_READ, MAP_PRIVATE, fd, 0);
	q = mmap(NULL, data.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (report(p != MAP_FAILED && q != MAP_FAILED, "private and shared mapping of one file",
		   "%s", errname(errno))) {
		report(!memcmp(p, buf, data.size), "private mapping reads the whole file (2 extents)",
		       NULL);
		memset(q + 3 * MiB, 0x3c, 4096);
		report(p[3 * MiB] == 0x3c && p[3 * MiB + 4095] == 0x3c,
		       "stores through a shared mapping show in the private one (no copy)", NULL);
	}
	if (p != MAP_FAILED)
		munmap(p, data.size);
	if (q != MAP_FAILED)
		munmap(q, data.size);
	close(fd);
	famfs_rm(ipath("data"));
out:
	free(buf);
}

static void overlap_tests(void)
{
	const uint64_t A = 100 * MiB, B = 120 * MiB;
	struct tmap orig = { .ftype = FAMFS_REG, .n = 2, .off = { A, B },
			     .len = { 4 * MiB, SZ_2M }, .size = 6 * MiB };
	struct tmap partial = { .ftype = FAMFS_REG, .n = 2, .off = { 140 * MiB, A + SZ_2M },
				.len = { SZ_2M, 4 * MiB }, .size = 6 * MiB };
	struct tmap strip = { .ftype = FAMFS_REG, .interleaved = true, .n = 2,
			      .off = { 140 * MiB, B }, .len = { SZ_2M, SZ_2M },
			      .chunk = SZ_2M, .nbytes = 4 * MiB, .size = 4 * MiB };
	struct tmap adjacent = { .ftype = FAMFS_REG, .n = 2, .off = { A + 4 * MiB, B - SZ_2M },
				 .len = { SZ_2M, SZ_2M }, .size = 4 * MiB };
	struct famfs_ioc_get_fmap g;
	struct famfs_ioc_map v1;
	uint64_t used, len = 6 * MiB;
	uint8_t *exp = xalloc(len), *got = xalloc(len), *p;
	int fd, cfd;

	fd = make_file("orig", &orig, 0);
	if (fd < 0)
		goto out;
	/* fault the original in through a mapping, as before a clone */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!report(p != MAP_FAILED, "mmap the original", "%s", errname(errno))) {
		close(fd);
		goto out;
	}
	pattern(exp, len, 0x0c1);
	memcpy(p, exp, len);
	close(fd);
	used = used_bytes();

	cfd = make_file("clone", &orig, EEXIST);
	if (cfd < 0)
		goto out_unmap;
	expect_rc(tmap_create(cfd, &partial), EEXIST, "extent overlapping half of another file's -> EEXIST");
	expect_rc(tmap_create(cfd, &strip), EEXIST, "interleaved strip on another file's extent -> EEXIST");
	memset(&v1, 0, sizeof(v1));
	v1.extent_type = SIMPLE_DAX_EXTENT;
	v1.file_type = FAMFS_REG;
	v1.file_size = SZ_2M;
	v1.ext_list_count = 1;
	v1.ext_list[0].offset = B;
	v1.ext_list[0].len = SZ_2M;
	expect_rc(ioctl(cfd, FAMFSIOC_MAP_CREATE, &v1), EEXIST, "v1 map over another file's extent -> EEXIST");
	report(ioctl(cfd, FAMFSIOC_MAP_GET_V2, &g) < 0 && errno == ENODATA && used_bytes() == used,
	       "refused overlapping maps leave no map and no space behind", NULL);
	expect_rc(mmap(NULL, 4096, PROT_READ, MAP_SHARED, cfd, 0) == MAP_FAILED ? -1 : 0, ENODATA,
		  "mmap of the refused clone -> ENODATA");
	close(cfd);

	fd = make_file("adjacent", &adjacent, 0);
	if (fd >= 0)
		close(fd);
	famfs_rm(ipath("adjacent"));

	/* the original's bytes stay its own while anything maps it */
	expect_rc(famfs_rm(ipath("orig")), 0, "FAMFSIOC_REMOVE of the original while it is mapped");
	cfd = open(ipath("clone"), O_RDWR);
	expect_rc(tmap_create(cfd, &orig), EEXIST,
		  "map over a removed file that is still mapped -> EEXIST");
	munmap(p, len);
	p = MAP_FAILED;
	if (expect_rc(tmap_create(cfd, &orig), 0, "the same map after the last munmap of the original")) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
		report(p != MAP_FAILED && !memcmp(p, exp, len),
		       "the new file reads the original's bytes through a mapping", NULL);
		if (p != MAP_FAILED) {
			memset(p, 0x77, 4096);
			munmap(p, len);
			p = MAP_FAILED;
		}
		report(!raw_read(A, got, 4096) && got[0] == 0x77 && got[4095] == 0x77,
		       "stores through the new file land at its device offsets", NULL);
	}
	close(cfd);
	famfs_rm(ipath("clone"));
out_unmap:
	if (p != MAP_FAILED)
		munmap(p, len);
out:
	free(exp);
	free(got);
}

int cmd_interop(bool devdax, const char *dev, const char *mnt)
{
	set_tag(devdax ? "interop-devdax" : "interop-pmem");
	i_mnt = mnt;
	mkdir(mnt, 0755);
	if (!report(!raw_open(devdax, dev), "raw device access", "%s", errname(errno)))
		return 1;
	mount_option_tests(dev);
	if (expect_rc(mount_famfs(dev, mnt, 0, "dax=always"), 0, "mount -o dax=always %s", dev)) {
		private_mapping_tests();
		overlap_tests();
		report(used_bytes() == 10 * MiB, "only the superblock and log files are left mapped",
		       "used %" PRIu64, used_bytes());
		expect_rc(umount2(mnt, 0), 0, "umount");
	}
	raw_close();
	return g_fail ? 1 : 0;
}
