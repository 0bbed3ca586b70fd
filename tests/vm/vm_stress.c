// SPDX-License-Identifier: GPL-2.0
/*
 * famfs VM tests: concurrency. For a few seconds, threads create files,
 * map them (disjoint device ranges per thread), write and verify them and
 * remove them (FAMFSIOC_REMOVE), while others fault a shared file in and out, write and read
 * it, and query maps, statfs and the directory. Any error or wrong byte
 * fails; a kernel problem shows up in the console log.
 */
#include "vmtest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#define CREATORS 3
#define SLOT (8 * MiB)		/* device range per creator thread */
#define BASE (64 * MiB)		/* creators use [BASE, BASE + CREATORS * SLOT) */
#define SHARED_OFF (160 * MiB)
#define SHARED_LEN (16 * MiB)

static const char *s_mnt;
static atomic_bool s_stop;
static atomic_long s_ops, s_errors;
static char s_first_error[256];
static pthread_mutex_t s_err_lock = PTHREAD_MUTEX_INITIALIZER;

static void fail_op(const char *what)
{
	int e = errno;

	pthread_mutex_lock(&s_err_lock);
	if (!s_errors)
		snprintf(s_first_error, sizeof(s_first_error), "%s: %s", what, errname(e));
	s_errors++;
	pthread_mutex_unlock(&s_err_lock);
}

static void *creator(void *arg)
{
	long id = (long)arg, i;
	char path[256];
	uint8_t buf[4096], got[4096];
	struct tmap m = { .ftype = FAMFS_REG, .n = 2 };

	for (i = 0; !s_stop; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/c%ld-%ld", s_mnt, id, i);
		fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0644);
		if (fd < 0) {
			fail_op("create");
			continue;
		}
		/* two extents in this thread's slot, order varies */
		m.off[0] = BASE + id * SLOT + (i & 1) * 4 * MiB;
		m.off[1] = BASE + id * SLOT + (1 - (i & 1)) * 4 * MiB;
		m.len[0] = m.len[1] = SZ_2M;
		m.size = 4 * MiB - (i % 7) * 4096;
		if (tmap_create(fd, &m)) {
			fail_op("MAP_CREATE_V2");
		} else {
			pattern(buf, sizeof(buf), id * 1000003 + i);
			if (pwrite(fd, buf, sizeof(buf), SZ_2M) != sizeof(buf) ||
			    pread(fd, got, sizeof(got), SZ_2M) != sizeof(got) ||
			    memcmp(buf, got, sizeof(buf)))
				fail_op("write/read back");
		}
		close(fd);
		if (famfs_rm(path))
			fail_op("FAMFSIOC_REMOVE");
		s_ops++;
	}
	return NULL;
}

static void *faulter(void *arg)
{
	int fd = (int)(long)arg;
	uint64_t off;

	while (!s_stop) {
		volatile uint8_t *p = mmap(NULL, SHARED_LEN, PROT_READ | PROT_WRITE,
					   MAP_SHARED, fd, 0);

		if (p == MAP_FAILED) {
			fail_op("mmap");
			continue;
		}
		for (off = 0; off < SHARED_LEN; off += 4096)
			p[off + 8] = p[off] + 1;	/* byte 8 of a page: faulter's */
		munmap((void *)p, SHARED_LEN);
		s_ops++;
	}
	return NULL;
}

static void *reader(void *arg)
{
	int fd = (int)(long)arg;
	static __thread uint8_t buf[65536];
	struct famfs_ioc_get_fmap g;
	struct statfs sfs;
	uint64_t pos = 0;

	while (!s_stop) {
		DIR *d;

		if (pread(fd, buf, sizeof(buf), pos) != sizeof(buf))
			fail_op("pread");
		/* byte 16 of each page: the reader's own */
		buf[16] = (uint8_t)pos;
		if (pwrite(fd, buf + 16, 1, pos + 16) != 1)
			fail_op("pwrite");
		pos = (pos + sizeof(buf) * 3) % SHARED_LEN;
		if (ioctl(fd, FAMFSIOC_MAP_GET_V2, &g))
			fail_op("MAP_GET_V2");
		if (statfs(s_mnt, &sfs))
			fail_op("statfs");
		d = opendir(s_mnt);
		if (!d)
			fail_op("opendir");
		else {
			while (readdir(d))
				;
			closedir(d);
		}
		s_ops++;
	}
	return NULL;
}

int cmd_stress(const char *dev, const char *mnt, int seconds)
{
	struct tmap shared = { .ftype = FAMFS_REG, .n = 1, .off = { SHARED_OFF },
			       .len = { SHARED_LEN }, .size = SHARED_LEN };
	pthread_t th[CREATORS + 4];
	int fd, n = 0, i;
	char path[256];
	struct statfs sfs;

	set_tag(strstr(dev, "dax") ? "stress-devdax" : "stress-pmem");
	s_mnt = mnt;
	s_stop = false;
	s_ops = s_errors = 0;
	mkdir(mnt, 0755);
	if (!expect_rc(mount_famfs(dev, mnt, 0, NULL), 0, "mount"))
		return 1;
	snprintf(path, sizeof(path), "%s/shared", mnt);
	fd = open(path, O_CREAT | O_RDWR, 0644);
	if (!expect_rc(fd < 0 ? -1 : tmap_create(fd, &shared), 0, "map the shared file"))
		return 1;
	for (i = 0; i < CREATORS; i++)
		pthread_create(&th[n++], NULL, creator, (void *)(long)i);
	pthread_create(&th[n++], NULL, faulter, (void *)(long)fd);
	pthread_create(&th[n++], NULL, faulter, (void *)(long)fd);
	pthread_create(&th[n++], NULL, reader, (void *)(long)fd);
	pthread_create(&th[n++], NULL, reader, (void *)(long)fd);
	sleep(seconds);
	s_stop = true;
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	{
		char nm[160];

		snprintf(nm, sizeof(nm), "%d threads for %d s: create/map/write/remove, faults, reads, queries (%ld operations)",
			 n, seconds, (long)s_ops);
		report(s_errors == 0 && s_ops > 0, nm, "%ld errors, first: %s", (long)s_errors, s_first_error);
	}
	report(!statfs(mnt, &sfs) && (uint64_t)(sfs.f_blocks - sfs.f_bfree) * sfs.f_bsize == SHARED_LEN,
	       "statfs after the storm: only the shared file is mapped",
	       "used %llu", (unsigned long long)(sfs.f_blocks - sfs.f_bfree) * sfs.f_bsize);
	close(fd);
	expect_rc(umount2(mnt, 0), 0, "umount");
	return g_fail ? 1 : 0;
}
