// SPDX-License-Identifier: GPL-2.0
/*
 * famfs VM tests, one mounted device (vm_fs.c runs them): other ways in and
 * out (splice, O_DIRECT, offset mmap, GUP), user buffers, hwpoison on devdax,
 * limits.
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

void io_path_tests(int fd, const struct tmap *m, const char *name)
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

void devdax_hwpoison_test(void)
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
void user_buffer_tests(int fd, const struct tmap *m)
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
void limit_tests(void)
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
