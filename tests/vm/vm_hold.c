// SPDX-License-Identifier: GPL-2.0
/*
 * famfs VM tests: a process that holds a famfs file mapped while another
 * host removes it (the famfsd-share deletion test in famfsd.sh), and a
 * look at famfs.ko's orphan list.
 *
 *   famfs-vmtest mmap-hold TAG FILE SRC PING STATE_OFF GO_OFF SECONDS
 *       maps FILE read-only and checks it holds SRC's bytes, stores "HELD"
 *       at STATE_OFF of the (shared) file PING, then compares the whole
 *       mapping with SRC again and again until "GO" appears at GO_OFF of
 *       PING (at most SECONDS); then a last pass, munmap, and "UNMAPPED"
 *       at STATE_OFF. Reports whether every pass saw only FILE's own bytes.
 *   famfs-vmtest orphans MNT
 *       prints one line "COOKIE INO" per removed file still alive
 *       (FAMFSIOC_GET_ORPHANS); exit 1 when the ioctl fails.
 */
#include "vmtest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

static bool has_text(const volatile uint8_t *p, const char *text)
{
	size_t i, n = strlen(text) + 1;

	for (i = 0; i < n; i++)
		if (p[i] != (uint8_t)text[i])
			return false;
	return true;
}

static void *map_file(const char *path, int flags, int prot, uint64_t *len)
{
	struct stat st;
	void *p;
	int fd = open(path, flags);

	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	p = mmap(NULL, st.st_size, prot, MAP_SHARED, fd, 0);
	close(fd);
	*len = st.st_size;
	return p == MAP_FAILED ? NULL : p;
}

static int put_text(volatile uint8_t *ping, uint64_t len, uint64_t off, const char *text)
{
	size_t n = strlen(text) + 1;

	if (off + n > len)
		return -1;
	memcpy((void *)(ping + off), text, n);
	msync((void *)ping, len, MS_SYNC);
	return 0;
}

int cmd_mmap_hold(const char *tag, const char *file, const char *src, const char *ping_path, uint64_t state_off,
		  uint64_t go_off, int seconds)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	uint64_t len = 0, slen = 0, plen = 0, passes = 0, bad = 0;
	int64_t first_bad = -1;
	const volatile uint8_t *p;
	volatile uint8_t *ping;
	uint8_t *want, *got;
	double end = now_sec() + seconds;
	bool go = false;
	int fd;

	set_tag(tag);
	p = map_file(file, O_RDONLY, PROT_READ, &len);
	ping = map_file(ping_path, O_RDWR, PROT_READ | PROT_WRITE, &plen);
	if (!report(p && ping && go_off + 3 <= plen, "mmap-hold: map the file and the ping file", "%s",
		    strerror(errno)))
		return 1;
	want = xalloc(len);
	got = xalloc(len);
	fd = open(src, O_RDONLY);
	slen = fd >= 0 ? (uint64_t)read(fd, want, len) : 0;
	if (fd >= 0)
		close(fd);
	memcpy(got, (const void *)p, len);
	if (!report(slen == len && first_diff(got, want, len) < 0, "the mapping holds the file's bytes", NULL))
		return 1;
	put_text(ping, plen, state_off, "HELD");
	while (!go) {
		int64_t d;

		go = has_text(ping + go_off, "GO") || now_sec() > end;
		memcpy(got, (const void *)p, len);
		d = first_diff(got, want, len);
		passes++;
		if (d >= 0) {
			bad++;
			if (first_bad < 0)
				first_bad = d;
		}
		if (!go)
			nanosleep(&pause, NULL);
	}
	report(has_text(ping + go_off, "GO"), "the other host said GO in time", "not within %d s", seconds);
	report(bad == 0, "every pass over the mapping saw only the removed file's own bytes",
	       "%" PRIu64 " of %" PRIu64 " passes differed, first at byte %" PRId64, bad, passes, first_bad);
	info("mmap-hold: %" PRIu64 " passes over %" PRIu64 " bytes", passes, len);
	munmap((void *)p, len);
	put_text(ping, plen, state_off, "UNMAPPED");
	munmap((void *)ping, plen);
	free(want);
	free(got);
	return bad ? 1 : 0;
}

int cmd_orphans(const char *mnt)
{
	struct famfs_ioc_orphan buf[256];
	uint32_t total = 0;
	int n = famfs_orphans(mnt, buf, 256, &total), i;

	if (n < 0) {
		fprintf(stderr, "FAMFSIOC_GET_ORPHANS on %s: %s\n", mnt, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++)
		printf("%" PRIu64 " %" PRIu64 "\n", (uint64_t)buf[i].fo_cookie, (uint64_t)buf[i].fo_ino);
	return (uint32_t)n == total ? 0 : 1;
}
