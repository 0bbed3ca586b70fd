// SPDX-License-Identifier: GPL-2.0
/*
 * famfs VM tests: reporting, raw device access, patterns, the test's own
 * model of file maps, and process/module helpers.
 */
#include "vmtest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

char g_tag[64] = "vm";
int g_pass, g_fail;

void set_tag(const char *tag)
{
	snprintf(g_tag, sizeof(g_tag), "%s", tag);
}

void drain_stdout(void)
{
	fflush(stdout);
	if (isatty(STDOUT_FILENO))
		tcdrain(STDOUT_FILENO);
}

bool report(bool ok, const char *name, const char *detail_fmt, ...)
{
	char detail[512] = "";
	va_list ap;

	if (!ok && detail_fmt) {
		va_start(ap, detail_fmt);
		vsnprintf(detail, sizeof(detail), detail_fmt, ap);
		va_end(ap);
	}
	if (ok) {
		g_pass++;
		printf("PASS %s: %s\n", g_tag, name);
	} else {
		g_fail++;
		printf("FAIL %s: %s: %s\n", g_tag, name,
		       detail[0] ? detail : "failed");
	}
	fflush(stdout);
	return ok;
}

void info(const char *fmt, ...)
{
	va_list ap;

	printf("INFO %s: ", g_tag);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

const char *errname(int e)
{
	const char *n = e ? strerrorname_np(e) : "0";

	return n ? n : "E?";
}

bool expect_rc(long rc, int want, const char *name_fmt, ...)
{
	int e = errno;
	char name[256];
	va_list ap;
	bool ok;

	va_start(ap, name_fmt);
	vsnprintf(name, sizeof(name), name_fmt, ap);
	va_end(ap);
	if (want)
		ok = rc < 0 && e == want;
	else
		ok = rc >= 0;
	return report(ok, name, "rc=%ld errno=%s, expected %s", rc,
		      rc < 0 ? errname(e) : "-", want ? errname(want) : "success");
}

/* ---- raw device ---- */

struct rawdev g_raw = { .fd = -1 };

static uint64_t sysfs_u64(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtoull(buf, NULL, 0);
}

uint64_t dev_size_of(const char *dev)
{
	struct stat st;
	char path[256];
	uint64_t size;
	int fd;

	if (stat(dev, &st))
		return 0;
	if (S_ISCHR(st.st_mode)) {
		const char *base = strrchr(dev, '/');

		snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/size",
			 base ? base + 1 : dev);
		return sysfs_u64(path);
	}
	fd = open(dev, O_RDONLY);
	if (fd < 0)
		return 0;
	size = lseek(fd, 0, SEEK_END);
	close(fd);
	return size;
}

#define BOUNCE (4 * MiB)

int raw_open(bool devdax, const char *dev)
{
	raw_close();
	g_raw.devdax = devdax;
	g_raw.size = dev_size_of(dev);
	if (!g_raw.size)
		return -1;
	if (devdax) {
		uint64_t len = g_raw.size & ~(SZ_2M - 1);

		g_raw.fd = open(dev, O_RDWR);
		if (g_raw.fd < 0)
			return -1;
		g_raw.map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
				 g_raw.fd, 0);
		if (g_raw.map == MAP_FAILED) {
			g_raw.map = NULL;
			return -1;
		}
		return 0;
	}
	g_raw.fd = open(dev, O_RDWR | O_DIRECT);
	if (g_raw.fd < 0)
		return -1;
	g_raw.bounce = xalloc(BOUNCE);
	return 0;
}

void raw_close(void)
{
	if (g_raw.map)
		munmap(g_raw.map, g_raw.size & ~(SZ_2M - 1));
	if (g_raw.fd >= 0)
		close(g_raw.fd);
	free(g_raw.bounce);
	memset(&g_raw, 0, sizeof(g_raw));
	g_raw.fd = -1;
}

int raw_read(uint64_t off, void *buf, uint64_t len)
{
	uint8_t *out = buf;

	if (off + len > g_raw.size) {
		errno = ERANGE;
		return -1;
	}
	if (g_raw.devdax) {
		memcpy(buf, g_raw.map + off, len);
		return 0;
	}
	while (len) {
		uint64_t n = len < BOUNCE ? len : BOUNCE;
		uint64_t io = (n + 4095) & ~4095ULL;
		ssize_t got = pread(g_raw.fd, g_raw.bounce, io, off);

		if (got != (ssize_t)io) {
			if (got >= 0)
				errno = EIO;
			return -1;
		}
		memcpy(out, g_raw.bounce, n);
		out += n;
		off += n;
		len -= n;
	}
	return 0;
}

int raw_write(uint64_t off, const void *buf, uint64_t len)
{
	const uint8_t *in = buf;

	if (off + len > g_raw.size || (len & 4095) || (off & 4095)) {
		errno = ERANGE;
		return -1;
	}
	if (g_raw.devdax) {
		/* device-dax has no fsync (msync says EINVAL); memory is coherent */
		memcpy(g_raw.map + off, buf, len);
		return 0;
	}
	while (len) {
		uint64_t n = len < BOUNCE ? len : BOUNCE;
		ssize_t put;

		memcpy(g_raw.bounce, in, n);
		put = pwrite(g_raw.fd, g_raw.bounce, n, off);
		if (put != (ssize_t)n) {
			if (put >= 0)
				errno = EIO;
			return -1;
		}
		in += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* ---- patterns ---- */

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

void pattern(void *buf, uint64_t len, uint64_t seed)
{
	uint64_t *w = buf, i, n = len / 8, last;

	seed = mix64(seed * 0x9e3779b97f4a7c15ULL + 1);
	for (i = 0; i < n; i++)
		w[i] = mix64(seed + i);
	if (len & 7) {
		last = mix64(seed + n);
		memcpy((uint8_t *)buf + n * 8, &last, len & 7);
	}
}

void *xalloc(uint64_t len)
{
	void *p = NULL;

	if (posix_memalign(&p, 4096, len ? (len + 4095) & ~4095ULL : 4096)) {
		printf("FAIL %s: out of memory (%" PRIu64 " bytes)\n", g_tag, len);
		exit(2);
	}
	memset(p, 0, len);
	return p;
}

int64_t first_diff(const void *a, const void *b, uint64_t len)
{
	const uint8_t *x = a, *y = b;
	uint64_t i;

	if (!memcmp(a, b, len))
		return -1;
	for (i = 0; i < len; i++)
		if (x[i] != y[i])
			return (int64_t)i;
	return -1;
}

/* ---- map model ---- */

uint64_t tmap_capacity(const struct tmap *m)
{
	uint64_t sum = 0;
	uint32_t i;

	if (m->interleaved)
		return m->nbytes;
	for (i = 0; i < m->n; i++)
		sum += m->len[i];
	return sum;
}

uint64_t tmap_devbytes(const struct tmap *m)
{
	if (m->interleaved)
		return m->len[0] * m->n;
	return tmap_capacity(m);
}

uint64_t tmap_dev(const struct tmap *m, uint64_t pos, uint64_t *run)
{
	uint64_t chunk, in_chunk;
	uint32_t i;

	if (!m->interleaved) {
		for (i = 0; i < m->n; i++) {
			if (pos < m->len[i]) {
				*run = m->len[i] - pos;
				return m->off[i] + pos;
			}
			pos -= m->len[i];
		}
		*run = 0;
		return UINT64_MAX;
	}
	chunk = pos / m->chunk;
	in_chunk = pos % m->chunk;
	*run = m->chunk - in_chunk;
	return m->off[chunk % m->n] + (chunk / m->n) * m->chunk + in_chunk;
}

int tmap_create(int fd, const struct tmap *m)
{
	struct famfs_ioc_simple_extent se[FAMFS_MAX_SIMPLE_EXTENTS];
	struct famfs_ioc_interleaved_ext ie;
	struct famfs_ioc_fmap f;
	uint32_t i;

	memset(&f, 0, sizeof(f));
	memset(se, 0, sizeof(se));
	memset(&ie, 0, sizeof(ie));
	for (i = 0; i < m->n; i++) {
		se[i].offset = m->off[i];
		se[i].len = m->len[i];
	}
	f.fioc_file_size = m->size;
	f.fioc_file_type = m->ftype;
	if (m->interleaved) {
		ie.ie_nstrips = m->n;
		ie.ie_chunk_size = m->chunk;
		ie.ie_nbytes = m->nbytes;
		ie.ie_strips = (uint64_t)(uintptr_t)se;
		f.fioc_ext_type = FAMFS_IOC_EXT_INTERLEAVE;
		f.fioc_niext = 1;
		f.kie = (uint64_t)(uintptr_t)&ie;
	} else {
		f.fioc_ext_type = FAMFS_IOC_EXT_SIMPLE;
		f.fioc_nextents = m->n;
		f.kse = (uint64_t)(uintptr_t)se;
	}
	return ioctl(fd, FAMFSIOC_MAP_CREATE_V2, &f);
}

int tmap_compare_get(int fd, const struct tmap *m, char *detail, size_t dlen)
{
	struct famfs_ioc_get_fmap g;
	uint32_t i;

	memset(&g, 0xa5, sizeof(g));
	if (ioctl(fd, FAMFSIOC_MAP_GET_V2, &g)) {
		snprintf(detail, dlen, "MAP_GET_V2: %s", errname(errno));
		return -1;
	}
	if (g.iocmap.fioc_file_size != m->size ||
	    g.iocmap.fioc_file_type != m->ftype ||
	    g.iocmap.fioc_ext_type != (m->interleaved ? 1u : 0u)) {
		snprintf(detail, dlen, "header: size %llu type %u ext %u",
			 (unsigned long long)g.iocmap.fioc_file_size,
			 g.iocmap.fioc_file_type, g.iocmap.fioc_ext_type);
		return -1;
	}
	if (!m->interleaved) {
		if (g.iocmap.fioc_nextents != m->n) {
			snprintf(detail, dlen, "nextents %u", g.iocmap.fioc_nextents);
			return -1;
		}
		for (i = 0; i < m->n; i++) {
			if (g.ikse[i].devindex || g.ikse[i].offset != m->off[i] ||
			    g.ikse[i].len != m->len[i]) {
				snprintf(detail, dlen, "extent %u differs", i);
				return -1;
			}
		}
		return 0;
	}
	if (g.iocmap.fioc_niext != 1 || g.ks.ikie.ie_nstrips != m->n ||
	    g.ks.ikie.ie_chunk_size != m->chunk ||
	    g.ks.ikie.ie_nbytes != m->nbytes || g.ks.ikie.ie_strips != 0) {
		snprintf(detail, dlen, "interleaved header differs");
		return -1;
	}
	for (i = 0; i < m->n; i++) {
		if (g.ks.kie_strips[i].devindex ||
		    g.ks.kie_strips[i].offset != m->off[i] ||
		    g.ks.kie_strips[i].len != m->len[i]) {
			snprintf(detail, dlen, "strip %u differs", i);
			return -1;
		}
	}
	return 0;
}

int tmap_raw_write(const struct tmap *m, const uint8_t *buf, uint64_t len)
{
	uint64_t pos = 0, run, dev;

	while (pos < len) {
		dev = tmap_dev(m, pos, &run);
		if (!run)
			return -1;
		if (run > len - pos)
			run = len - pos;
		if (raw_write(dev, buf + pos, run))
			return -1;
		pos += run;
	}
	return 0;
}

int tmap_raw_read(const struct tmap *m, uint8_t *buf, uint64_t from,
		  uint64_t to)
{
	uint64_t pos = from, run, dev;

	while (pos < to) {
		dev = tmap_dev(m, pos, &run);
		if (!run)
			return -1;
		if (run > to - pos)
			run = to - pos;
		/* raw_read wants page multiples: read whole pages */
		if ((dev & 4095) == 0 && (run & 4095) == 0) {
			if (raw_read(dev, buf + pos, run))
				return -1;
		} else {
			uint64_t a = dev & ~4095ULL;
			uint64_t e = (dev + run + 4095) & ~4095ULL;
			uint8_t *tmp = xalloc(e - a);

			if (raw_read(a, tmp, e - a)) {
				free(tmp);
				return -1;
			}
			memcpy(buf + pos, tmp + (dev - a), run);
			free(tmp);
		}
		pos += run;
	}
	return 0;
}

/* ---- processes, modules, mounts ---- */

int run_child(int (*fn)(void *), void *arg)
{
	int status = -1;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

struct touch_arg {
	volatile uint8_t *addr;
	bool write;
};

static int touch_fn(void *p)
{
	struct touch_arg *t = p;

	if (t->write)
		*t->addr = 0x5a;
	else
		(void)*t->addr;
	return 0;
}

int touch_sigbus(volatile uint8_t *addr, bool write)
{
	struct touch_arg t = { addr, write };
	int st = run_child(touch_fn, &t);

	return WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS;
}

int famfs_load(void)
{
	int fd = open(FAMFS_KO_PATH, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return rc;
}

int famfs_unload(void)
{
	return syscall(SYS_delete_module, "famfs", O_NONBLOCK);
}

static bool file_has_line_word(const char *path, const char *word, int field)
{
	char line[512];
	bool found = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *save = NULL, *tok = strtok_r(line, " \t\n", &save);
		int i;

		for (i = 0; tok && i < field; i++)
			tok = strtok_r(NULL, " \t\n", &save);
		if (tok && !strcmp(tok, word))
			found = true;
	}
	fclose(f);
	return found;
}

bool famfs_registered(void)
{
	/* lines are "nodev\tfamfs" */
	return file_has_line_word("/proc/filesystems", "famfs", 1);
}

bool is_mounted(const char *mnt)
{
	return file_has_line_word("/proc/mounts", mnt, 1);
}

int mount_famfs(const char *dev, const char *mnt, unsigned long flags,
		const char *opts)
{
	return mount(dev, mnt, "famfs", flags, opts);
}

long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}
