// SPDX-License-Identifier: GPL-2.0
/*
 * famfs VM tests: the directory trees of the client-start benchmark
 * (famfsd.sh, famfsd_bench_start).
 *
 *   famfs-vmtest mktree DIR NTOP NSUB NFILES BYTES
 *	creates DIR (which must not exist) holding NTOP directories t<i>,
 *	each with NSUB directories s<j>, and NFILES files f<k> of BYTES bytes
 *	spread over the t<i> (mode 0755 directories, 0644 files, as mkdir(1)
 *	and touch(1) make them); prints the milliseconds it took
 *   famfs-vmtest count-tree DIR
 *	prints "DIRS FILES" below DIR (DIR itself not counted)
 *   famfs-vmtest copy-parts SRC DAXDEV
 *	the parts of a CopyIn, each timed alone (see below)
 */
#include "vmtest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double tree_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int cmd_mktree(const char *dir, uint64_t ntop, uint64_t nsub, uint64_t nfiles, uint64_t bytes)
{
	char name[64];
	uint64_t i, j, k;
	double t0 = tree_now();
	int root, top, fd;
	static const char one[4096];

	if (bytes > sizeof(one) || ntop == 0) {
		fprintf(stderr, "mktree: BYTES at most %zu, NTOP at least 1\n", sizeof(one));
		return 1;
	}
	if (mkdir(dir, 0755) != 0 || (root = open(dir, O_DIRECTORY | O_RDONLY)) < 0) {
		fprintf(stderr, "mktree: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (i = 0, k = 0; i < ntop; i++) {
		snprintf(name, sizeof(name), "t%llu", (unsigned long long)i);
		if (mkdirat(root, name, 0755) != 0 || (top = openat(root, name, O_DIRECTORY | O_RDONLY)) < 0) {
			fprintf(stderr, "mktree: %s/%s: %s\n", dir, name, strerror(errno));
			return 1;
		}
		for (j = 0; j < nsub; j++) {
			snprintf(name, sizeof(name), "s%llu", (unsigned long long)j);
			if (mkdirat(top, name, 0755) != 0) {
				fprintf(stderr, "mktree: %s/t%llu/%s: %s\n", dir, (unsigned long long)i, name,
					strerror(errno));
				return 1;
			}
		}
		/* files: NFILES spread evenly, the first tops taking the remainder */
		for (j = 0; j < nfiles / ntop + (i < nfiles % ntop); j++, k++) {
			snprintf(name, sizeof(name), "f%llu", (unsigned long long)k);
			fd = openat(top, name, O_CREAT | O_EXCL | O_WRONLY, 0644);
			if (fd < 0 || (bytes && write(fd, one, bytes) != (ssize_t)bytes)) {
				fprintf(stderr, "mktree: %s/t%llu/%s: %s\n", dir, (unsigned long long)i, name,
					strerror(errno));
				return 1;
			}
			close(fd);
		}
		close(top);
	}
	close(root);
	printf("%.0f\n", (tree_now() - t0) * 1000);
	return 0;
}

static int count(int dfd, uint64_t *dirs, uint64_t *files)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	int sub;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (e->d_type == DT_DIR) {
			(*dirs)++;
			sub = openat(dirfd(d), e->d_name, O_DIRECTORY | O_RDONLY);
			if (sub < 0 || count(sub, dirs, files) != 0) {
				closedir(d);
				return -1;
			}
		} else {
			(*files)++;
		}
	}
	closedir(d);
	return 0;
}

int cmd_count_tree(const char *dir)
{
	uint64_t dirs = 0, files = 0;
	int fd = open(dir, O_DIRECTORY | O_RDONLY);

	if (fd < 0 || count(fd, &dirs, &files) != 0) {
		fprintf(stderr, "count-tree: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	printf("%llu %llu\n", (unsigned long long)dirs, (unsigned long long)files);
	return 0;
}

static double mib_s(uint64_t len, double secs)
{
	return secs > 0 ? len / 1048576.0 / secs : 0;
}

/*
 * famfs-vmtest copy-parts SRC DAXDEV: where a CopyIn of SRC into device-dax
 * memory spends its time, each part timed alone in MiB/s: read(2) of SRC
 * into a heap buffer and into the device mapping (its page tables built
 * first with MADV_POPULATE_WRITE, timed too) (64 MiB per call), a
 * write-back pass (clflush, the guest CPU has neither clwb nor
 * clflushopt) over the mapping, memcpy from the heap into the mapping,
 * and mapping SRC (MADV_POPULATE_READ) then memcpy from that mapping.
 */
int cmd_copy_parts(const char *src, const char *dev)
{
	struct stat st;
	int fd = open(src, O_RDONLY), dfd = open(dev, O_RDWR);
	uint64_t len, off, l;
	uint8_t *heap, *dax, *sm;
	double t0, t_pop, t_heap, t_dax, t_flush, t_memcpy, t_map, t_mapcopy;
	ssize_t r;

	if (fd < 0 || dfd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "copy-parts: %s\n", strerror(errno));
		return 1;
	}
	len = (uint64_t)st.st_size & ~((2ULL << 20) - 1);
	heap = xalloc(len);
	memset(heap, 1, len);
	dax = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);
	if (dax == MAP_FAILED) {
		fprintf(stderr, "copy-parts: mmap %s: %s\n", dev, strerror(errno));
		return 1;
	}
	t0 = tree_now();
	madvise(dax, len, MADV_POPULATE_WRITE);
	t_pop = tree_now() - t0;
#define READ_ALL(dst)                                                          \
	for (off = 0; off < len; off += (uint64_t)r) {                         \
		l = len - off < (64ULL << 20) ? len - off : (64ULL << 20);     \
		r = pread(fd, (dst) + off, l, (off_t)off);                     \
		if (r <= 0) {                                                  \
			fprintf(stderr, "copy-parts: read: %s\n", strerror(errno)); \
			return 1;                                              \
		}                                                              \
	}
	t0 = tree_now();
	READ_ALL(heap);
	t_heap = tree_now() - t0;
	t0 = tree_now();
	READ_ALL(dax);
	t_dax = tree_now() - t0;
	t0 = tree_now();
	for (off = 0; off < len; off += 64)
		asm volatile("clflush %0" : "+m"(*(volatile char *)(dax + off)));
	asm volatile("sfence" ::: "memory");
	t_flush = tree_now() - t0;
	t0 = tree_now();
	memcpy(dax, heap, len);
	t_memcpy = tree_now() - t0;
	t0 = tree_now();
	sm = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (sm == MAP_FAILED) {
		fprintf(stderr, "copy-parts: mmap %s: %s\n", src, strerror(errno));
		return 1;
	}
	madvise(sm, len, MADV_POPULATE_READ);
	t_map = tree_now() - t0;
	t0 = tree_now();
	memcpy(dax, sm, len);
	t_mapcopy = tree_now() - t0;
	printf("populate devdax page tables %.0f, read() into heap %.0f, read() into devdax %.0f, clflush pass %.0f, memcpy heap->devdax %.0f, "
	       "map source %.0f, memcpy mapped source->devdax %.0f (MiB/s)\n",
	       mib_s(len, t_pop), mib_s(len, t_heap), mib_s(len, t_dax), mib_s(len, t_flush), mib_s(len, t_memcpy), mib_s(len, t_map),
	       mib_s(len, t_mapcopy));
	munmap(sm, len);
	munmap(dax, len);
	free(heap);
	close(fd);
	close(dfd);
	return 0;
}
