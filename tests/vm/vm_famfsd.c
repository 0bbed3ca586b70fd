// SPDX-License-Identifier: GPL-2.0
/*
 * famfs VM tests: helpers for the famfsd guests (tests/vm/famfsd.sh). The
 * script drives famfsd through famfsctl; these commands check the bytes
 * a program sees through the mount and on the raw device.
 *
 *   famfs-vmtest pattern-file PATH SIZE SEED       write SIZE pattern bytes
 *   famfs-vmtest mmap-cmp TAG FILE SRC             mmap of FILE == SRC's bytes
 *   famfs-vmtest raw-cmp TAG pmem|devdax DEV FILE SRC
 *                     the device bytes at FILE's map (MAP_GET_V2) == SRC's bytes
 *   famfs-vmtest mmap-put FILE OFFSET TEXT         store TEXT through a mapping
 *   famfs-vmtest mmap-wait TAG NAME FILE OFFSET TEXT SECONDS
 *                     wait until a mapping of FILE shows TEXT at OFFSET
 *   famfs-vmtest poison FILE OFFSET                MADV_HWPOISON a page of FILE
 *   famfs-vmtest bench-mmap TAG FILE DAXDEV        mmap read bandwidth: file vs raw
 *   famfs-vmtest now                               CLOCK_MONOTONIC in ns
 *   famfs-vmtest memcpy-bw MIB                     memcpy MiB/s (heap to heap)
 */
#include "vmtest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* the whole of PATH, or NULL; *len its size */
static uint8_t *slurp(const char *path, uint64_t *len)
{
	struct stat st;
	uint8_t *buf;
	uint64_t done = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	buf = xalloc(st.st_size ? st.st_size : 1);
	while (done < (uint64_t)st.st_size) {
		n = read(fd, buf + done, st.st_size - done);
		if (n <= 0)
			break;
		done += n;
	}
	close(fd);
	*len = done;
	return buf;
}

int cmd_pattern_file(const char *path, uint64_t size, uint64_t seed)
{
	uint8_t *buf = xalloc(size ? size : 1);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int rc = 1;

	pattern(buf, size, seed);
	if (fd >= 0 && write(fd, buf, size) == (ssize_t)size)
		rc = 0;
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

int cmd_mmap_cmp(const char *tag, const char *file, const char *src)
{
	uint64_t len = 0;
	uint8_t *want = slurp(src, &len);
	struct stat st;
	void *p;
	int64_t d;
	int fd;

	set_tag(tag);
	fd = open(file, O_RDONLY);
	if (!want || fd < 0 || fstat(fd, &st))
		return !report(false, "mmap of the file equals the source", "open %s: %s", file, strerror(errno));
	if ((uint64_t)st.st_size != len) {
		close(fd);
		return !report(false, "mmap of the file equals the source", "size %lld, source %llu",
			       (long long)st.st_size, (unsigned long long)len);
	}
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return !report(false, "mmap of the file equals the source", "mmap: %s", strerror(errno));
	d = first_diff(p, want, len);
	munmap(p, len);
	free(want);
	return !report(d < 0, "mmap of the file equals the source", "first difference at byte %lld", (long long)d);
}

/* the test's map model from MAP_GET_V2 */
static int tmap_of(int fd, struct tmap *m)
{
	struct famfs_ioc_get_fmap g;
	uint32_t i;

	memset(&g, 0, sizeof(g));
	memset(m, 0, sizeof(*m));
	if (ioctl(fd, FAMFSIOC_MAP_GET_V2, &g))
		return -1;
	m->ftype = g.iocmap.fioc_file_type;
	m->size = g.iocmap.fioc_file_size;
	if (g.iocmap.fioc_ext_type == FAMFS_IOC_EXT_SIMPLE) {
		m->n = g.iocmap.fioc_nextents;
		for (i = 0; i < m->n && i < FAMFS_MAX_SIMPLE_EXTENTS; i++) {
			m->off[i] = g.ikse[i].offset;
			m->len[i] = g.ikse[i].len;
		}
		return 0;
	}
	m->interleaved = true;
	m->n = g.ks.ikie.ie_nstrips;
	m->chunk = g.ks.ikie.ie_chunk_size;
	m->nbytes = g.ks.ikie.ie_nbytes;
	for (i = 0; i < m->n && i < FAMFS_MAX_STRIPS; i++) {
		m->off[i] = g.ks.kie_strips[i].offset;
		m->len[i] = g.ks.kie_strips[i].len;
	}
	return 0;
}

int cmd_raw_cmp(const char *tag, bool devdax, const char *dev, const char *file, const char *src)
{
	const char *name = "device bytes at the file's map equal the source";
	uint64_t len = 0;
	uint8_t *want = slurp(src, &len), *got;
	struct tmap m;
	int64_t d;
	int fd;

	set_tag(tag);
	fd = open(file, O_RDONLY);
	if (!want || fd < 0)
		return !report(false, name, "open %s: %s", file, strerror(errno));
	if (tmap_of(fd, &m)) {
		close(fd);
		return !report(false, name, "MAP_GET_V2: %s", strerror(errno));
	}
	close(fd);
	if (m.size != len)
		return !report(false, name, "map size %llu, source %llu", (unsigned long long)m.size,
			       (unsigned long long)len);
	if (raw_open(devdax, dev))
		return !report(false, name, "open %s: %s", dev, strerror(errno));
	got = xalloc(len ? len : 1);
	if (tmap_raw_read(&m, got, 0, len)) {
		raw_close();
		return !report(false, name, "raw read: %s", strerror(errno));
	}
	raw_close();
	d = first_diff(got, want, len);
	free(got);
	free(want);
	return !report(d < 0, name, "first difference at byte %lld", (long long)d);
}

static void *map_rw(const char *file, uint64_t *len)
{
	struct stat st;
	void *p;
	int fd = open(file, O_RDWR);

	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	p = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	*len = st.st_size;
	return p == MAP_FAILED ? NULL : p;
}

int cmd_mmap_put(const char *file, uint64_t off, const char *text)
{
	uint64_t len = 0, n = strlen(text) + 1;
	uint8_t *p = map_rw(file, &len);

	if (!p || off + n > len) {
		fprintf(stderr, "mmap-put %s: %s\n", file, p ? "offset past the end" : strerror(errno));
		return 1;
	}
	memcpy(p + off, text, n);
	msync(p, len, MS_SYNC);
	munmap(p, len);
	return 0;
}

int cmd_mmap_wait(const char *tag, const char *name, const char *file, uint64_t off, const char *text,
		  int seconds)
{
	uint64_t len = 0, n = strlen(text) + 1;
	volatile uint8_t *p = map_rw(file, &len);
	double end = now_sec() + seconds;
	struct timespec ten_ms = { 0, 10 * 1000 * 1000 };
	bool seen = false;

	set_tag(tag);
	if (!p || off + n > len)
		return !report(false, name, "mmap %s: %s", file, p ? "offset past the end" : strerror(errno));
	while (!seen) {
		uint64_t i;

		seen = true;
		for (i = 0; i < n; i++)
			if (p[off + i] != (uint8_t)text[i])
				seen = false;
		if (seen || now_sec() > end)
			break;
		nanosleep(&ten_ms, NULL);
	}
	munmap((void *)p, len);
	return !report(seen, name, "'%s' not at offset %llu within %d s", text, (unsigned long long)off, seconds);
}

/* a memory failure on one page of FILE (pmem: famfs.ko shuts the mount down) */
int cmd_poison(const char *file, uint64_t off)
{
	uint64_t len = 0;
	volatile uint8_t *p = map_rw(file, &len);
	int rc;

	if (!p || off + 4096 > len) {
		fprintf(stderr, "poison %s: %s\n", file, p ? "offset past the end" : strerror(errno));
		return 1;
	}
	(void)p[off];
	rc = madvise((void *)(p + off), 4096, MADV_HWPOISON);
	if (rc)
		fprintf(stderr, "madvise(MADV_HWPOISON): %s\n", strerror(errno));
	munmap((void *)p, len);
	return rc ? 1 : 0;
}

static uint64_t sum64(const volatile uint64_t *p, uint64_t bytes)
{
	uint64_t s = 0, i;

	for (i = 0; i < bytes / 8; i++)
		s += p[i];
	return s;
}

/*
 * mmap read bandwidth of FILE (published by famfsd, one extent) against the
 * same bytes of the raw device-dax mapping. As the module's own benchmark:
 * alternating 1 MiB pieces over 8 passes, the sum of per-piece minima (a
 * piece is shorter than a host time slice). Prints BENCH; fails only when
 * the two mappings do not hold the same bytes.
 */
int cmd_bench_mmap(const char *tag, const char *file, const char *dev)
{
	struct tmap m;
	uint64_t len, c, npieces, sf = 0, sr = 0;
	double min_f[256], min_r[256], tot_f = 0, tot_r = 0;
	const uint8_t *pf, *pr;
	int fd, r;

	set_tag(tag);
	fd = open(file, O_RDONLY);
	if (fd < 0 || tmap_of(fd, &m) || m.interleaved || m.n != 1)
		return !report(false, "bench file with one extent", "%s", strerror(errno));
	len = m.size & ~(MiB - 1);
	npieces = len / MiB;
	if (npieces == 0 || npieces > 256)
		return !report(false, "bench file of 1..256 MiB", "%llu bytes", (unsigned long long)m.size);
	if (raw_open(true, dev))
		return !report(false, "raw device-dax mapping", "%s", strerror(errno));
	pf = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (pf == MAP_FAILED)
		return !report(false, "mmap of the bench file", "%s", strerror(errno));
	pr = g_raw.map + m.off[0];
	sum64((const uint64_t *)pf, len);	/* fault both in: loads only */
	sum64((const uint64_t *)pr, len);
	for (c = 0; c < npieces; c++)
		min_f[c] = min_r[c] = 1e9;
	for (r = 0; r < 8; r++) {
		for (c = 0; c < npieces; c++) {
			bool f_first = (c ^ r) & 1;
			const uint8_t *a = (f_first ? pf : pr) + c * MiB, *b = (f_first ? pr : pf) + c * MiB;
			double t1 = now_sec(), t2, t3;
			uint64_t sa = sum64((const uint64_t *)a, MiB);

			t2 = now_sec();
			uint64_t sb = sum64((const uint64_t *)b, MiB);

			t3 = now_sec();
			if (r == 0) {
				sf += f_first ? sa : sb;
				sr += f_first ? sb : sa;
			}
			if ((f_first ? t2 - t1 : t3 - t2) < min_f[c])
				min_f[c] = f_first ? t2 - t1 : t3 - t2;
			if ((f_first ? t3 - t2 : t2 - t1) < min_r[c])
				min_r[c] = f_first ? t3 - t2 : t2 - t1;
		}
	}
	for (c = 0; c < npieces; c++) {
		tot_f += min_f[c];
		tot_r += min_r[c];
	}
	munmap((void *)pf, len);
	raw_close();
	if (!report(sf == sr, "the published file and the raw device hold the same bytes", "sums differ"))
		return 1;
	printf("BENCH famfsd-published file mmap read %.0f MiB/s, raw /dev/dax %.0f MiB/s, ratio %.2f (target >= 0.95)\n",
	       len / MiB / tot_f, len / MiB / tot_r, tot_r / tot_f);
	return 0;
}

/* CLOCK_MONOTONIC in nanoseconds, for timing commands in the init script */
int cmd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("%llu\n", (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec);
	return 0;
}

/* memcpy bandwidth between two heap buffers of MIB MiB (best of 3), MiB/s */
int cmd_memcpy_bw(uint64_t mib)
{
	uint64_t len = mib * MiB;
	uint8_t *a = xalloc(len), *b = xalloc(len);
	double best = 1e9;
	int r;

	pattern(a, len, 3);
	memcpy(b, a, len);	/* fault both in */
	for (r = 0; r < 3; r++) {
		double t = now_sec();

		memcpy(b, a, len);
		t = now_sec() - t;
		if (t < best)
			best = t;
	}
	printf("%.0f\n", mib / best);
	free(a);
	free(b);
	return 0;
}
