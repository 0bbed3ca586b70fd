// SPDX-License-Identifier: GPL-2.0
/*
 * famfs VM tests: mount errors, small devices, pmem memory failure,
 * the two-guest sharing test (device removal: vm_remove.c), and the
 * mmap read bandwidth benchmark.
 */
#include "vmtest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

int cmd_mount_errors(const char *pmem, const char *mnt)
{
	int fd, rc;

	set_tag("mount");
	mkdir(mnt, 0755);
	report(famfs_registered(), "famfs listed in /proc/filesystems", NULL);
	{
		char buf[16] = "";

		fd = open("/sys/module/famfs/parameters/famfs_kabi_version", O_RDONLY);
		rc = fd >= 0 ? (int)read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		report(rc > 0 && atoi(buf) == FAMFS_KABI_VERSION,
		       "module parameter famfs_kabi_version = 43", "read '%s'", buf);
	}
	expect_rc(mount_famfs(NULL, mnt, 0, NULL), EINVAL, "mount without a device -> EINVAL");
	expect_rc(mount_famfs("", mnt, 0, NULL), EINVAL, "mount with an empty device name -> EINVAL");
	expect_rc(mount_famfs(pmem, mnt, 0, "bogus"), EINVAL, "unknown mount option -> EINVAL");
	expect_rc(mount_famfs(pmem, mnt, 0, "bogus=1"), EINVAL, "unknown mount option with value -> EINVAL");
	expect_rc(mount_famfs("/dev/does-not-exist", mnt, 0, NULL), ENOENT, "device path does not exist -> ENOENT");
	fd = open("/tmp/regular", O_CREAT | O_RDWR, 0644);
	if (fd >= 0)
		close(fd);
	expect_rc(mount_famfs("/tmp/regular", mnt, 0, NULL), ENOTBLK, "regular file as device -> ENOTBLK");
	expect_rc(mount_famfs("/tmp", mnt, 0, NULL), ENOTBLK, "directory as device -> ENOTBLK");
	expect_rc(mount_famfs("/dev/ram0", mnt, 0, NULL), ENODEV, "block device without DAX (brd) -> ENODEV");
	expect_rc(mount_famfs("/dev/null", mnt, 0, NULL), ENODEV, "char device that is not device-dax (/dev/null) -> ENODEV");

	/* another exclusive holder of the pmem device */
	fd = open(pmem, O_RDONLY | O_EXCL);
	report(fd >= 0, "exclusive open of the pmem device by user space", "%s", errname(errno));
	expect_rc(mount_famfs(pmem, mnt, 0, NULL), EBUSY, "mount of a device another holder claimed -> EBUSY");
	if (fd >= 0)
		close(fd);
	report(!is_mounted(mnt), "failed mounts left no mount behind", NULL);
	if (expect_rc(mount_famfs(pmem, mnt, 0, NULL), 0, "mount retried after the failures succeeds")) {
		fd = open(pmem, O_RDONLY | O_EXCL);
		expect_rc(fd, EBUSY, "exclusive open of a famfs-mounted pmem device -> EBUSY");
		if (fd >= 0)
			close(fd);
		expect_rc(umount2(mnt, 0), 0, "umount");
	}
	/* a read-only block device: rw mount and ro -> rw remount refused */
	fd = open(pmem, O_RDONLY);
	{
		int ro = 1;

		if (report(fd >= 0 && !ioctl(fd, BLKROSET, &ro), "set the pmem device read-only (BLKROSET)",
			   "%s", errname(errno))) {
			expect_rc(mount_famfs(pmem, mnt, 0, NULL), EACCES,
				  "read-write mount of a read-only device -> EACCES");
			if (expect_rc(mount_famfs(pmem, mnt, MS_RDONLY, NULL), 0, "read-only mount of a read-only device")) {
				expect_rc(mount(NULL, mnt, NULL, MS_REMOUNT, NULL), EACCES,
					  "remount read-write on a read-only device -> EACCES");
				expect_rc(umount2(mnt, 0), 0, "umount");
			}
			ro = 0;
			report(!ioctl(fd, BLKROSET, &ro), "set the pmem device read-write again", "%s", errname(errno));
		}
		if (fd >= 0)
			close(fd);
	}
	if (expect_rc(mount_famfs(pmem, mnt, MS_RDONLY, NULL), 0, "mount -o ro")) {
		char path[256];

		snprintf(path, sizeof(path), "%s/f", mnt);
		fd = open(path, O_CREAT | O_RDWR, 0644);
		expect_rc(fd, EROFS, "create on a read-only mount -> EROFS");
		if (fd >= 0)
			close(fd);
		/* a writable device: ro -> rw works */
		if (expect_rc(mount(NULL, mnt, NULL, MS_REMOUNT, NULL), 0, "remount read-write of a writable device")) {
			fd = open(path, O_CREAT | O_RDWR, 0644);
			expect_rc(fd, 0, "create after remount read-write");
			if (fd >= 0)
				close(fd);
		}
		expect_rc(umount2(mnt, 0), 0, "umount of the (formerly) read-only mount");
	}
	return g_fail ? 1 : 0;
}

int cmd_small_dev(const char *dev, const char *mnt)
{
	uint64_t size = dev_size_of(dev);

	set_tag("small");
	mkdir(mnt, 0755);
	info("%s: %" PRIu64 " bytes", dev, size);
	if (!report(size > 0 && size < 10 * MiB, "small device present", "size %" PRIu64, size))
		return 1;
	expect_rc(mount_famfs(dev, mnt, 0, NULL), EINVAL, "mount of a device < 10 MiB (%s) -> EINVAL", dev);
	expect_rc(mount_famfs(dev, mnt, 0, NULL), EINVAL, "the same failure again (nothing claimed), %s", dev);
	report(!is_mounted(mnt), "no mount left behind", NULL);
	return g_fail ? 1 : 0;
}

int cmd_hwpoison(const char *dev, const char *mnt)
{
	struct tmap m = { .ftype = FAMFS_REG, .n = 1, .off = { 320 * MiB },
			  .len = { 4 * MiB }, .size = 4 * MiB };
	struct famfs_ioc_get_fmap g;
	char buf[4096], path[256];
	uint8_t *p, *q;
	int fd, fd2;

	set_tag("pmem-hwpoison");
	mkdir(mnt, 0755);
	if (!expect_rc(mount_famfs(dev, mnt, 0, NULL), 0, "mount"))
		return 1;
	fd = make_mapped_file(mnt, "h", &m);
	if (fd < 0)
		return 1;
	p = mmap(NULL, m.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!report(p != MAP_FAILED, "mmap", "%s", errname(errno)))
		return 1;
	memset(p, 0x11, m.size);
	report(pread(fd, buf, sizeof(buf), 0) == sizeof(buf), "read before the failure", NULL);

	expect_rc(madvise(p + 8192, 4096, MADV_HWPOISON), 0, "madvise(MADV_HWPOISON) on a mapped famfs page");
	expect_rc(pread(fd, buf, sizeof(buf), 0), EIO, "read after memory failure -> EIO");
	{
		struct famfs_ioc_state st;

		expect_rc(ioctl(fd, FAMFSIOC_GET_STATE, &st), 0, "GET_STATE after memory failure");
		report((st.fs_state & FAMFS_STATE_SHUTDOWN) && st.fs_reason == FAMFS_REASON_MEMORY_FAILURE,
		       "GET_STATE: shut down, reason memory_failure", "state %#x reason %u", st.fs_state,
		       st.fs_reason);
	}
	expect_rc(pwrite(fd, buf, sizeof(buf), 0), EIO, "write after memory failure -> EIO");
	expect_rc(ioctl(fd, FAMFSIOC_MAP_GET_V2, &g), EIO, "MAP_GET_V2 after memory failure -> EIO");
	expect_rc(ioctl(fd, FAMFSIOC_NOP), 0, "NOP after memory failure -> 0");
	expect_rc(fsync(fd), EIO, "fsync after memory failure -> EIO");
	report(touch_sigbus(p, false), "load through the old mapping -> SIGBUS", NULL);
	report(touch_sigbus(p + 3 * MiB, true), "store through the old mapping -> SIGBUS", NULL);
	q = mmap(NULL, m.size, PROT_READ, MAP_SHARED, fd, 0);
	expect_rc(q == MAP_FAILED ? -1 : 0, EIO, "new mmap after memory failure -> EIO");
	if (q != MAP_FAILED)
		munmap(q, m.size);
	snprintf(path, sizeof(path), "%s/new", mnt);
	fd2 = open(path, O_CREAT | O_RDWR, 0644);
	expect_rc(fd2, EIO, "create after memory failure -> EIO");
	if (fd2 >= 0)
		close(fd2);
	snprintf(path, sizeof(path), "%s/dir", mnt);
	expect_rc(mkdir(path, 0755), EIO, "mkdir after memory failure -> EIO");
	munmap(p, m.size);
	close(fd);
	expect_rc(umount2(mnt, 0), 0, "umount after memory failure");
	expect_rc(famfs_unload(), 0, "rmmod after memory failure");
	expect_rc(famfs_load(), 0, "insmod again");
	if (expect_rc(mount_famfs(dev, mnt, 0, NULL), 0, "fresh mount after the shutdown")) {
		fd = make_mapped_file(mnt, "h2", &m);
		if (fd >= 0) {
			report(pread(fd, buf, sizeof(buf), 0) == sizeof(buf), "read on the fresh mount", NULL);
			close(fd);
		}
		expect_rc(umount2(mnt, 0), 0, "umount");
	}
	return g_fail ? 1 : 0;
}

/* virtio-pmem is asynchronous: fs-dax works, MAP_SYNC must be refused */
int cmd_async(const char *dev, const char *mnt)
{
	struct tmap m = { .ftype = FAMFS_REG, .n = 1, .off = { 16 * MiB },
			  .len = { 4 * MiB }, .size = 4 * MiB };
	uint8_t *p;
	int fd;

	set_tag("async-pmem");
	mkdir(mnt, 0755);
	info("%s: %" PRIu64 " bytes", dev, dev_size_of(dev));
	if (!expect_rc(mount_famfs(dev, mnt, 0, NULL), 0, "mount virtio-pmem %s", dev))
		return 1;
	fd = make_mapped_file(mnt, "a", &m);
	if (fd >= 0) {
		p = mmap(NULL, m.size, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0);
		expect_rc(p == MAP_FAILED ? -1 : 0, EOPNOTSUPP,
			  "MAP_SYNC on an asynchronous device -> EOPNOTSUPP");
		if (p != MAP_FAILED)
			munmap(p, m.size);
		p = mmap(NULL, m.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (report(p != MAP_FAILED, "plain MAP_SHARED on the asynchronous device", "%s", errname(errno))) {
			memset(p, 0x33, m.size);
			report(msync(p, m.size, MS_SYNC) == 0, "msync (flush to the host)", "%s", errname(errno));
			munmap(p, m.size);
		}
		close(fd);
	}
	expect_rc(umount2(mnt, 0), 0, "umount");
	return g_fail ? 1 : 0;
}

static uint64_t sum_words(const uint64_t *p, uint64_t len)
{
	uint64_t a = 0, b = 0, c = 0, d = 0, i, n = len / 8;

	for (i = 0; i < n; i += 4) {
		a += p[i];
		b += p[i + 1];
		c += p[i + 2];
		d += p[i + 3];
	}
	return a ^ (b << 1) ^ (c << 2) ^ (d << 3);
}

int cmd_bench(const char *dev, const char *mnt)
{
	const uint64_t len = 64 * MiB, off = 256 * MiB;
	struct tmap m = { .ftype = FAMFS_REG, .n = 1, .off = { off },
			  .len = { len }, .size = len };
	double tot_f = 0, tot_r = 0, bw_f, bw_r, min_f[64], min_r[64];
	uint64_t c;
	uint64_t sf = 0, sr = 0;
	uint8_t *buf, *pf, *pr;
	int fd, r;

	set_tag("bench");
	mkdir(mnt, 0755);
	if (!report(!raw_open(true, dev), "raw device-dax mapping", "%s", errname(errno)))
		return 1;
	buf = xalloc(len);
	pattern(buf, len, 0xbe);
	raw_write(off, buf, len);
	free(buf);
	if (!expect_rc(mount_famfs(dev, mnt, 0, NULL), 0, "mount"))
		return 1;
	fd = make_mapped_file(mnt, "bench", &m);
	if (fd < 0)
		return 1;
	pf = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (!report(pf != MAP_FAILED, "mmap", "%s", errname(errno)))
		return 1;
	pr = g_raw.map + off;
	/* fault everything in first: the benchmark measures loads only */
	sum_words((uint64_t *)pf, len);
	sum_words((uint64_t *)pr, len);
	/*
	 * The host is shared (other guests, other work), so a long pass is
	 * always interrupted somewhere. Time the two mappings in alternating
	 * 1 MiB pieces over 8 passes and keep, per piece, the fastest of the
	 * passes: a piece takes well under a host time slice, so the minimum
	 * is an undisturbed run. Compare the sums of the minima.
	 */
	for (c = 0; c < len / MiB; c++)
		min_f[c] = min_r[c] = 1e9;
	for (r = 0; r < 8; r++) {
		sf = sr = 0;
		for (c = 0; c < len / MiB; c++) {
			bool famfs_first = (c ^ r) & 1;
			const uint64_t *a = (const uint64_t *)((famfs_first ? pf : pr) + c * MiB);
			const uint64_t *b = (const uint64_t *)((famfs_first ? pr : pf) + c * MiB);
			double t1, t2, t3, ta, tb;
			uint64_t sa, sb;

			t1 = now_sec();
			sa = sum_words(a, MiB);
			t2 = now_sec();
			sb = sum_words(b, MiB);
			t3 = now_sec();
			ta = t2 - t1;
			tb = t3 - t2;
			sf ^= famfs_first ? sa : sb;
			sr ^= famfs_first ? sb : sa;
			if ((famfs_first ? ta : tb) < min_f[c])
				min_f[c] = famfs_first ? ta : tb;
			if ((famfs_first ? tb : ta) < min_r[c])
				min_r[c] = famfs_first ? tb : ta;
		}
	}
	for (c = 0; c < len / MiB; c++) {
		tot_f += min_f[c];
		tot_r += min_r[c];
	}
	report(sf == sr, "famfs and raw mappings read the same bytes", "sums differ");
	bw_f = len / tot_f / 1e6;
	bw_r = len / tot_r / 1e6;
	printf("BENCH mmap read bandwidth: famfs file %.0f MB/s, raw /dev/dax mapping %.0f MB/s, ratio %.3f (target >= 0.95)\n",
	       bw_f, bw_r, bw_f / bw_r);
	munmap(pf, len);
	close(fd);
	expect_rc(umount2(mnt, 0), 0, "umount");
	raw_close();
	return g_fail ? 1 : 0;
}

/*
 * Two guests share one memory backing file. Guest A writes a file through
 * its famfs mount; guest B mounts the same device, gives the file the same
 * map and must read the same bytes.
 */
int cmd_share(bool write, bool devdax, const char *dev, const char *mnt)
{
	struct tmap pm = { .ftype = FAMFS_REG, .n = 2,
			   .off = { 140 * MiB, 128 * MiB },
			   .len = { 4 * MiB, 4 * MiB } };
	struct tmap dm = { .ftype = FAMFS_REG, .interleaved = true, .n = 2,
			   .off = { 80 * MiB, 64 * MiB },
			   .len = { 4 * MiB, 4 * MiB },
			   .chunk = SZ_2M, .nbytes = 8 * MiB };
	struct tmap *m = devdax ? &dm : &pm;
	uint64_t size = 8 * MiB - 123, half = 4 * MiB + 4096 * 3 + 7;
	uint8_t *exp, *got, *p;
	char tag[64];
	int fd;

	m->size = size;
	snprintf(tag, sizeof(tag), "share-%s-%s", write ? "A" : "B", devdax ? "devdax" : "pmem");
	set_tag(tag);
	mkdir(mnt, 0755);
	if (!report(!raw_open(devdax, dev), "raw device access", "%s: %s", dev, errname(errno)))
		return 1;
	if (!expect_rc(mount_famfs(dev, mnt, 0, NULL), 0, "mount %s", dev))
		return 1;
	fd = make_mapped_file(mnt, "shared", m);
	if (fd < 0)
		return 1;
	exp = xalloc(size);
	got = xalloc(size);
	pattern(exp, size, devdax ? 0x5d : 0x5f);
	if (write) {
		/* first part through write(), the rest through a mapping */
		report(pwrite(fd, exp, half, 0) == (ssize_t)half, "guest A: write()", NULL);
		p = mmap(NULL, (size + 4095) & ~4095ULL, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (report(p != MAP_FAILED, "guest A: mmap", "%s", errname(errno))) {
			memcpy(p + half, exp + half, size - half);
			expect_rc(msync(p, (size + 4095) & ~4095ULL, MS_SYNC), 0, "guest A: msync");
			munmap(p, (size + 4095) & ~4095ULL);
		}
		tmap_raw_read(m, got, 0, size);
		report(!memcmp(got, exp, size), "guest A: bytes at the map's device offsets", NULL);
	} else {
		int64_t d;

		memset(got, 0, size);
		d = pread(fd, got, size, 0) == (ssize_t)size ? first_diff(got, exp, size) : 0;
		report(d < 0, "guest B: read() returns the bytes guest A wrote",
		       "first difference at %" PRId64, d);
		p = mmap(NULL, (size + 4095) & ~4095ULL, PROT_READ, MAP_SHARED, fd, 0);
		if (report(p != MAP_FAILED, "guest B: mmap", "%s", errname(errno))) {
			d = first_diff(p, exp, size);
			report(d < 0, "guest B: mmap shows the bytes guest A wrote",
			       "first difference at %" PRId64, d);
			munmap(p, (size + 4095) & ~4095ULL);
		}
		memset(got, 0, size);
		tmap_raw_read(m, got, 0, size);
		report(!memcmp(got, exp, size), "guest B: raw device holds guest A's bytes", NULL);
	}
	close(fd);
	free(exp);
	free(got);
	expect_rc(umount2(mnt, 0), 0, "umount");
	raw_close();
	return g_fail ? 1 : 0;
}
