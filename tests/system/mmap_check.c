/*
 * famfs-mmap-check: maps a file (one in a famfs mount) and compares its bytes
 * with a reference file read with read(2). Built static on the host by
 * tests/system/run.sh and installed into the guest root (which has no
 * compiler).
 *
 *   famfs-mmap-check compare FILE REF
 *       exit 0 when FILE has REF's size and its mapped bytes equal REF's,
 *       1 on a difference (the first differing offset is printed), 2 on a
 *       usage or I/O error.
 *   famfs-mmap-check hold FILE REF STATUS
 *       maps FILE and keeps it mapped: compares it once, then re-reads and
 *       compares the whole mapping every 50 ms until killed, writing the
 *       number of passes done to STATUS after each pass ("0" first). A
 *       SIGBUS while reading writes "sigbus" and exits 3; a difference
 *       writes "differs at OFFSET" and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *status_path;

/* Replaces STATUS's content with TEXT (write to a temporary, then rename, so
 * a reader never sees half of it). Async-signal-safe. */
static void put_status(const char *text)
{
	char tmp[4096];
	size_t n = strlen(status_path);
	if (n + 5 > sizeof(tmp))
		return;
	memcpy(tmp, status_path, n);
	memcpy(tmp + n, ".tmp", 5);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	ssize_t w = write(fd, text, strlen(text));
	(void)w;
	close(fd);
	rename(tmp, status_path);
}

static void on_sigbus(int sig)
{
	(void)sig;
	if (status_path)
		put_status("sigbus\n");
	_exit(3);
}

/* Reads all of PATH into a buffer; *SIZE gets its length. */
static unsigned char *read_all(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(2);
	}
	unsigned char *buf = malloc(st.st_size ? st.st_size : 1);
	size_t got = 0;
	while (buf && got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, st.st_size - got);
		if (r <= 0) {
			fprintf(stderr, "%s: short read at %zu\n", path, got);
			exit(2);
		}
		got += r;
	}
	close(fd);
	*size = got;
	return buf;
}

/* Offset of the first byte where the mapping differs from REF, or -1. */
static long first_difference(const volatile unsigned char *map, const unsigned char *ref, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (map[i] != ref[i])
			return (long)i;
	return -1;
}

int main(int argc, char **argv)
{
	int hold = argc == 5 && strcmp(argv[1], "hold") == 0;
	if (!hold && !(argc == 4 && strcmp(argv[1], "compare") == 0)) {
		fprintf(stderr, "usage: %s compare FILE REF | hold FILE REF STATUS\n", argv[0]);
		return 2;
	}
	const char *file = argv[2];
	size_t ref_size;
	unsigned char *ref = read_all(argv[3], &ref_size);
	if (hold)
		status_path = argv[4];

	int fd = open(file, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "%s: %s\n", file, strerror(errno));
		return 2;
	}
	if ((size_t)st.st_size != ref_size) {
		fprintf(stderr, "%s: %lld bytes, the reference %zu\n", file, (long long)st.st_size, ref_size);
		return 1;
	}
	if (ref_size == 0)
		return 0;
	const volatile unsigned char *map = mmap(NULL, ref_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "mmap %s: %s\n", file, strerror(errno));
		return 2;
	}
	close(fd); /* the mapping alone keeps the file in use */
	signal(SIGBUS, on_sigbus);

	char line[64];
	for (unsigned long pass = 0;; pass++) {
		long off = first_difference(map, ref, ref_size);
		if (off >= 0) {
			snprintf(line, sizeof(line), "differs at %ld\n", off);
			fprintf(stderr, "%s: mapped bytes differ from %s at offset %ld\n", file, argv[3], off);
			if (hold)
				put_status(line);
			return 1;
		}
		if (!hold) {
			printf("%s: %zu mapped bytes equal %s\n", file, ref_size, argv[3]);
			return 0;
		}
		snprintf(line, sizeof(line), "%lu\n", pass);
		put_status(line);
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}
