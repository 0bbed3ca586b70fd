// SPDX-License-Identifier: GPL-2.0
/*
 * famfs VM tests, one mounted device (vm_fs.c runs them): superblock and log
 * rules, unmapped files, refused namespace operations, mmap flags, v1 maps,
 * directories.
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


/* superblock/log rules; leaves sb and log mapped */
void meta_tests(void)
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
	expect_rc(famfs_rm(mpath("early")), 0, "FAMFSIOC_REMOVE of a mapped regular file");
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
	famfs_rm(mpath("log2"));
	famfs_rm(mpath("superblock2"));
	free(buf);
	free(got);
}

/* files without a map refuse I/O */
void unmapped_tests(void)
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
	famfs_rm(mpath("nomap"));
}

/* namespace and size changes refused */
void refusal_tests(int fd, const struct tmap *m, const char *name)
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
		famfs_rm(mpath("regnod"));
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

void mmap_flag_tests(int fd, const struct tmap *m, const char *name)
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

void v1_tests(void)
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

void dir_tests(void)
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
	expect_rc(unlink(mpath("dir/sub/f")), EPERM, "unlink(2) as root -> EPERM (only FAMFSIOC_REMOVE removes)");
	expect_rc(rmdir(mpath("dir/sub")), EPERM, "rmdir(2) of a non-empty directory as root -> EPERM");
	expect_rc(famfs_rmdir(mpath("dir/sub")), ENOTEMPTY, "REMOVE of a non-empty directory -> ENOTEMPTY");
	expect_rc(famfs_rm(mpath("dir/sub/f")), 0, "REMOVE of a mapped file");
	g_mapped -= SZ_2M;
	report(statfs_used() == used - SZ_2M, "REMOVE releases the mapped bytes in statfs",
	       "used %" PRIu64 " want %" PRIu64, statfs_used(), used - SZ_2M);
	expect_rc(rmdir(mpath("dir/sub")), EPERM, "rmdir(2) of an empty directory as root -> EPERM");
	expect_rc(famfs_rmdir(mpath("dir/sub")), 0, "REMOVE of an empty directory");
	expect_rc(famfs_rmdir(mpath("dir")), 0, "REMOVE of its parent, empty now");
	/* the freed range can be mapped again */
	fd = create_mapped("reuse", &m);
	if (fd >= 0)
		close(fd);
}
