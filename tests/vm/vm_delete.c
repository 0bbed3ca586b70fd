// SPDX-License-Identifier: GPL-2.0
/*
 * famfs VM tests: removal (module alone).
 *
 *   famfs-vmtest delete pmem|devdax DEV MNT
 *
 * unlink(2), rmdir(2) and rename(2) are refused to root (EPERM); only
 * FAMFSIOC_REMOVE (CAP_SYS_ADMIN) takes a name out. A removed file that
 * is still open or mapped is gone from the namespace at once, keeps its
 * bytes (another map over them is EEXIST) and is listed by
 * FAMFSIOC_GET_ORPHANS with its cookie until the last close / munmap;
 * then its memory maps again. Every refusal has its precise errno.
 */
#include "vmtest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

static const char *g_mnt;

static const char *dpath(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", g_mnt, name);
	return buf[i];
}

static struct tmap file_at(uint64_t off_mib)
{
	struct tmap m = { .ftype = FAMFS_REG, .n = 1, .off = { off_mib * MiB },
			  .len = { SZ_2M }, .size = SZ_2M };
	return m;
}

static bool gone(const char *name)
{
	struct stat st;

	return lstat(dpath(name), &st) != 0 && errno == ENOENT;
}

/* the orphan with COOKIE, if listed: its inode number in *ino */
static int orphan_ino(uint64_t cookie, uint64_t *ino)
{
	struct famfs_ioc_orphan buf[64];
	int n = famfs_orphans(g_mnt, buf, 64, NULL), i;

	for (i = 0; i < n; i++) {
		if (buf[i].fo_cookie == cookie) {
			*ino = buf[i].fo_ino;
			return 1;
		}
	}
	return n < 0 ? -1 : 0;
}

/* as uid 65534 without capabilities: REMOVE refused, GET_ORPHANS allowed */
static int nobody_fn(void *arg)
{
	int dfd = open(g_mnt, O_RDONLY | O_DIRECTORY);
	uint32_t total = 0;

	(void)arg;
	if (dfd < 0 || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 10;
	if (famfs_remove_name(dfd, "victim", FAMFS_REMOVE_FILE, 7) == 0)
		return 11;
	if (errno != EPERM)
		return 12;
	if (famfs_orphans(g_mnt, NULL, 0, &total) != 0)
		return 13;
	return 0;
}

static void refusals(void)
{
	struct tmap m = file_at(64);
	struct famfs_ioc_remove req;
	int fd, dfd, st;

	fd = make_mapped_file(g_mnt, "victim", &m);
	expect_rc(mkdir(dpath("d"), 0755), 0, "mkdir d");
	expect_rc(mkdir(dpath("d/e"), 0755), 0, "mkdir d/e");
	expect_rc(unlink(dpath("victim")), EPERM, "unlink(2) of a file as root -> EPERM");
	expect_rc(rmdir(dpath("d/e")), EPERM, "rmdir(2) of an empty directory as root -> EPERM");
	expect_rc(rename(dpath("victim"), dpath("renamed")), EPERM, "rename(2) as root -> EPERM");
	expect_rc(rename(dpath("d/e"), dpath("d/f")), EPERM, "rename(2) of a directory as root -> EPERM");
	report(!gone("victim") && !gone("d/e") && gone("renamed"), "the refused calls changed nothing", NULL);

	st = run_child(nobody_fn, NULL);
	report(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "REMOVE as uid 65534 -> EPERM; GET_ORPHANS allowed", "child status %#x", st);
	report(!gone("victim"), "victim still there after the refused REMOVE", NULL);

	dfd = open(g_mnt, O_RDONLY | O_DIRECTORY);
	expect_rc(famfs_remove_name(dfd, "d", FAMFS_REMOVE_FILE, 1), EISDIR, "REMOVE file of a directory -> EISDIR");
	expect_rc(famfs_remove_name(dfd, "victim", FAMFS_REMOVE_DIR, 1), ENOTDIR,
		  "REMOVE directory of a file -> ENOTDIR");
	expect_rc(famfs_remove_name(dfd, "d", FAMFS_REMOVE_DIR, 1), ENOTEMPTY,
		  "REMOVE of a non-empty directory -> ENOTEMPTY");
	expect_rc(famfs_remove_name(dfd, "missing", FAMFS_REMOVE_FILE, 1), ENOENT, "REMOVE of a missing name -> ENOENT");
	expect_rc(famfs_remove_name(dfd, "", FAMFS_REMOVE_FILE, 1), EINVAL, "REMOVE of an empty name -> EINVAL");
	expect_rc(famfs_remove_name(dfd, "d/e", FAMFS_REMOVE_DIR, 1), EINVAL, "REMOVE of a name with '/' -> EINVAL");
	expect_rc(famfs_remove_name(dfd, ".", FAMFS_REMOVE_DIR, 1), EINVAL, "REMOVE of \".\" -> EINVAL");
	expect_rc(famfs_remove_name(dfd, "..", FAMFS_REMOVE_DIR, 1), EINVAL, "REMOVE of \"..\" -> EINVAL");
	memset(&req, 'a', sizeof(req));
	req.fr_kind = FAMFS_REMOVE_FILE;
	req.fr_flags = 0;
	expect_rc(ioctl(dfd, FAMFSIOC_REMOVE, &req), EINVAL, "REMOVE of a name without its NUL (256 bytes) -> EINVAL");
	memset(&req, 0, sizeof(req));
	strcpy(req.fr_name, "victim");
	req.fr_kind = 2;
	expect_rc(ioctl(dfd, FAMFSIOC_REMOVE, &req), EINVAL, "REMOVE with an unknown kind -> EINVAL");
	req.fr_kind = FAMFS_REMOVE_FILE;
	req.fr_flags = 1;
	expect_rc(ioctl(dfd, FAMFSIOC_REMOVE, &req), EINVAL, "REMOVE with flags set -> EINVAL");
	expect_rc(ioctl(dfd, FAMFSIOC_REMOVE, (void *)8), EFAULT, "REMOVE with a bad pointer -> EFAULT");
	if (fd >= 0) {
		req.fr_flags = 0;
		expect_rc(ioctl(fd, FAMFSIOC_REMOVE, &req), ENOTTY, "REMOVE on a regular file -> ENOTTY");
		close(fd);
	}
	report(!gone("victim") && !gone("d/e"), "the refused REMOVEs changed nothing", NULL);

	/* a mount on a directory of famfs */
	if (expect_rc(mount("tmpfs", dpath("d/e"), "tmpfs", 0, NULL), 0, "mount tmpfs on d/e")) {
		expect_rc(famfs_remove(dpath("d/e"), FAMFS_REMOVE_DIR, 1), EBUSY, "REMOVE of a mount point -> EBUSY");
		umount(dpath("d/e"));
	}
	expect_rc(famfs_remove(dpath("d/e"), FAMFS_REMOVE_DIR, 1), 0, "REMOVE of d/e");
	expect_rc(famfs_remove_name(dfd, "d", FAMFS_REMOVE_DIR, 1), 0, "REMOVE of d, empty now");
	expect_rc(famfs_remove_name(dfd, "victim", FAMFS_REMOVE_FILE, 1), 0, "REMOVE of victim (closed)");
	report(gone("victim") && gone("d"), "names gone", NULL);
	close(dfd);
}

/* a directory fd kept past its removal; inotify sees IN_DELETE */
static void dead_dir_and_notify(void)
{
	char ev[4096] __attribute__((aligned(8)));
	int dfd, in, wd, fd;
	ssize_t n;

	expect_rc(mkdir(dpath("gone"), 0755), 0, "mkdir gone");
	expect_rc(mkdir(dpath("gone/sub"), 0755), 0, "mkdir gone/sub");
	dfd = open(dpath("gone"), O_RDONLY | O_DIRECTORY);
	in = inotify_init1(IN_NONBLOCK);
	wd = inotify_add_watch(in, dpath("gone"), IN_DELETE);
	expect_rc(famfs_remove_name(dfd, "sub", FAMFS_REMOVE_DIR, 1), 0, "REMOVE of gone/sub through gone's fd");
	n = read(in, ev, sizeof(ev));
	report(wd >= 0 && n >= (ssize_t)sizeof(struct inotify_event) &&
	       (((struct inotify_event *)ev)->mask & IN_DELETE) &&
	       !strcmp(((struct inotify_event *)ev)->name, "sub"),
	       "inotify on the parent reports IN_DELETE \"sub\"", "read %zd", n);
	close(in);
	expect_rc(famfs_remove(dpath("gone"), FAMFS_REMOVE_DIR, 1), 0, "REMOVE of gone while an fd of it is open");
	expect_rc(mkdirat(dfd, "x", 0755), ENOENT, "mkdir in the removed directory -> ENOENT");
	expect_rc(famfs_remove_name(dfd, "x", FAMFS_REMOVE_FILE, 1), ENOENT,
		  "REMOVE through the removed directory's fd -> ENOENT");
	close(dfd);

	/* a file without a map: removed, never an orphan; no map afterwards */
	fd = open(dpath("nomap"), O_CREAT | O_EXCL | O_RDWR, 0644);
	expect_rc(famfs_rm(dpath("nomap")), 0, "REMOVE of an open file without a map");
	report(famfs_orphan_has(g_mnt, 0) == 0, "a file without a map is not an orphan", NULL);
	if (fd >= 0) {
		struct tmap m = file_at(66);

		expect_rc(tmap_create(fd, &m), ENOENT, "MAP_CREATE on a removed file -> ENOENT");
		close(fd);
	}
}

static void orphans(void)
{
	struct tmap held = file_at(70), mapped = file_at(74), reuse;
	struct famfs_ioc_orphan buf[4];
	struct famfs_ioc_orphans req;
	uint8_t *src = xalloc(SZ_2M), *got = xalloc(SZ_2M);
	uint64_t ino = 0;
	uint32_t total = 0;
	struct stat st_held, st_mapped;
	int fd, fd2, dfd;
	uint8_t *p;

	pattern(src, SZ_2M, 0xde1);
	fd = make_mapped_file(g_mnt, "held", &held);
	fd2 = make_mapped_file(g_mnt, "mapped", &mapped);
	if (fd < 0 || fd2 < 0)
		return;
	report(pwrite(fd, src, SZ_2M, 0) == (ssize_t)SZ_2M, "write held", NULL);
	fstat(fd, &st_held);
	fstat(fd2, &st_mapped);
	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
	if (!report(p != MAP_FAILED, "mmap mapped", "%s", errname(errno)))
		return;
	memcpy(p, src, SZ_2M);
	close(fd2);
	report(famfs_orphans(g_mnt, NULL, 0, &total) == 0 && total == 0, "no orphans before any removal",
	       "total %u", total);

	expect_rc(famfs_remove(dpath("held"), FAMFS_REMOVE_FILE, 1001), 0, "REMOVE of held (open), cookie 1001");
	expect_rc(famfs_remove(dpath("mapped"), FAMFS_REMOVE_FILE, 1002), 0, "REMOVE of mapped (mapped), cookie 1002");
	report(gone("held") && gone("mapped"), "both names are gone at once", NULL);
	report(orphan_ino(1001, &ino) == 1 && ino == st_held.st_ino, "GET_ORPHANS lists 1001 with held's inode",
	       "ino %" PRIu64 " want %" PRIu64, ino, (uint64_t)st_held.st_ino);
	report(orphan_ino(1002, &ino) == 1 && ino == st_mapped.st_ino, "GET_ORPHANS lists 1002 with mapped's inode",
	       "ino %" PRIu64 " want %" PRIu64, ino, (uint64_t)st_mapped.st_ino);

	/* a buffer too small: count what fits, total all of them */
	report(famfs_orphans(g_mnt, buf, 1, &total) == 1 && total == 2 && buf[0].fo_cookie == 1001,
	       "GET_ORPHANS with room for 1 of 2: count 1 (the first removed), total 2", "total %u", total);
	dfd = open(g_mnt, O_RDONLY | O_DIRECTORY);
	memset(&req, 0, sizeof(req));
	req.fo_capacity = FAMFS_ORPHANS_MAX + 1;
	expect_rc(ioctl(dfd, FAMFSIOC_GET_ORPHANS, &req), EINVAL, "GET_ORPHANS above FAMFS_ORPHANS_MAX -> EINVAL");
	req.fo_capacity = 1;
	req.fo_reserved = 1;
	expect_rc(ioctl(dfd, FAMFSIOC_GET_ORPHANS, &req), EINVAL, "GET_ORPHANS with fo_reserved set -> EINVAL");
	req.fo_reserved = 0;
	req.fo_buf = 8;
	expect_rc(ioctl(dfd, FAMFSIOC_GET_ORPHANS, &req), EFAULT, "GET_ORPHANS into a bad buffer -> EFAULT");
	close(dfd);

	/* the removed files keep their bytes, and nobody else gets them */
	report(pread(fd, got, SZ_2M, 0) == (ssize_t)SZ_2M && !memcmp(got, src, SZ_2M),
	       "the open removed file still reads its bytes", NULL);
	report(!memcmp(p, src, SZ_2M), "the mapping of the removed file still shows its bytes", NULL);
	reuse = held;
	fd2 = open(dpath("reuse"), O_CREAT | O_EXCL | O_RDWR, 0644);
	expect_rc(tmap_create(fd2, &reuse), EEXIST, "a map over the open removed file's memory -> EEXIST");
	close(fd);
	report(famfs_orphan_has(g_mnt, 1001) == 0, "after the last close 1001 is no longer an orphan", NULL);
	report(famfs_orphan_has(g_mnt, 1002) == 1, "1002 is, while the mapping lives", NULL);
	expect_rc(tmap_create(fd2, &reuse), 0, "the closed file's memory maps again");
	close(fd2);

	reuse = mapped;
	fd2 = open(dpath("reuse2"), O_CREAT | O_EXCL | O_RDWR, 0644);
	expect_rc(tmap_create(fd2, &reuse), EEXIST, "a map over the mapped removed file's memory -> EEXIST");
	munmap(p, SZ_2M);
	report(famfs_orphans(g_mnt, NULL, 0, &total) == 0 && total == 0, "after munmap no orphan is left",
	       "total %u", total);
	expect_rc(tmap_create(fd2, &reuse), 0, "the unmapped file's memory maps again");
	close(fd2);
	expect_rc(famfs_rm(dpath("reuse")), 0, "REMOVE of reuse");
	expect_rc(famfs_rm(dpath("reuse2")), 0, "REMOVE of reuse2");
	free(src);
	free(got);
}

int cmd_delete(bool devdax, const char *dev, const char *mnt)
{
	g_mnt = mnt;
	set_tag(devdax ? "delete-devdax" : "delete-pmem");
	mkdir(mnt, 0755);
	if (!expect_rc(mount_famfs(dev, mnt, 0, NULL), 0, "mount %s", dev))
		return 1;
	refusals();
	dead_dir_and_notify();
	orphans();
	/* a read-only mount removes nothing */
	expect_rc(mkdir(dpath("ro"), 0755), 0, "mkdir ro");
	if (expect_rc(mount(NULL, mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0, "remount read-only")) {
		expect_rc(famfs_rmdir(dpath("ro")), EROFS, "REMOVE on a read-only mount -> EROFS");
		mount(NULL, mnt, NULL, MS_REMOUNT, NULL);
	}
	expect_rc(famfs_rmdir(dpath("ro")), 0, "REMOVE after the remount read-write");
	expect_rc(umount(mnt), 0, "umount");
	return 0;
}
