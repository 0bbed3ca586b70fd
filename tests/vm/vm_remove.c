// SPDX-License-Identifier: GPL-2.0
/*
 * famfs VM tests: the shutdown ioctl and device removal while a process
 * holds a famfs file mapped (module alone).
 *
 *   famfs-vmtest shutdown pmem|devdax DEV MNT
 *   famfs-vmtest remove pmem|devdax|devdax-ns DEV MNT NAMESPACE
 *
 * remove: pmem by an unbind of NAMESPACE from nd_pmem (what `ndctl
 * disable-namespace` does after its own check, which refuses while famfs
 * holds the block device exclusively, as for any mounted file system; the
 * refusal is checked first), devdax by an unbind of the dax device from
 * device_dax, devdax-ns by `ndctl disable-namespace NAMESPACE` of the devdax
 * namespace (no such check for a character device). Everything is enabled
 * or bound again at the end. The
 * removal must return within a few seconds, the mapping process must get
 * SIGBUS on its next touch, no task may stay in D state and the kernel log
 * must not gain a "blocked for more than" hung-task report (the hung-task
 * timeout is lowered to 2 s for the test).
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
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

_Static_assert(sizeof(struct famfs_ioc_state) == 32, "famfs_ioc_state is 32 bytes");

#define REMOVE_LIMIT_SEC 5.0
#define HUNG_TIMEOUT_SEC 2

static int get_state(const char *mnt, struct famfs_ioc_state *st)
{
	int fd = open(mnt, O_RDONLY | O_DIRECTORY);
	int rc;

	if (fd < 0)
		return -1;
	memset(st, 0xa5, sizeof(*st));
	rc = ioctl(fd, FAMFSIOC_GET_STATE, st);
	close(fd);
	return rc;
}

static void expect_state(const char *mnt, uint32_t flags, uint32_t reason, const char *what)
{
	struct famfs_ioc_state st;

	if (!expect_rc(get_state(mnt, &st), 0, "GET_STATE %s", what))
		return;
	report(st.fs_state == flags && st.fs_reason == reason && !st.fs_reserved,
	       what, "state %#x reason %u reserved %#llx (want %#x, %u)", st.fs_state, st.fs_reason,
	       (unsigned long long)st.fs_reserved, flags, reason);
}

/* the famfs line of /proc/mounts for MNT has option OPT */
static bool mount_has_option(const char *mnt, const char *opt)
{
	char line[1024], dev[256], dir[256], type[64], opts[512];
	bool found = false;
	FILE *f = fopen("/proc/mounts", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %255s %63s %511s", dev, dir, type, opts) == 4 &&
		    !strcmp(dir, mnt) && !strcmp(type, "famfs") && strstr(opts, opt))
			found = true;
	fclose(f);
	return found;
}

struct nobody_arg {
	const char *mnt;
};

/* as uid 65534 with no capabilities: SHUTDOWN -> EPERM, GET_STATE works */
static int nobody_fn(void *p)
{
	struct nobody_arg *a = p;
	struct famfs_ioc_state st;
	int fd = open(a->mnt, O_RDONLY | O_DIRECTORY);

	if (fd < 0 || setgid(65534) || setuid(65534))
		return 10;
	if (ioctl(fd, FAMFSIOC_SHUTDOWN) == 0)
		return 11;
	if (errno != EPERM)
		return 12;
	if (ioctl(fd, FAMFSIOC_GET_STATE, &st) || st.fs_state)
		return 13;
	return 0;
}

int cmd_shutdown(bool devdax, const char *dev, const char *mnt)
{
	struct tmap m = { .ftype = FAMFS_REG, .n = 1, .off = { 96 * MiB },
			  .len = { 4 * MiB }, .size = 4 * MiB };
	struct nobody_arg na = { mnt };
	char buf[4096], path[256];
	uint8_t *p;
	int fd, st, dfd;

	set_tag(devdax ? "shutdown-devdax" : "shutdown-pmem");
	mkdir(mnt, 0755);
	if (!expect_rc(mount_famfs(dev, mnt, 0, NULL), 0, "mount %s", dev))
		return 1;
	expect_state(mnt, 0, FAMFS_REASON_NONE, "fresh mount: state 0");
	st = run_child(nobody_fn, &na);
	report(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "SHUTDOWN without CAP_SYS_ADMIN -> EPERM, GET_STATE allowed", "child status %#x", st);
	expect_state(mnt, 0, FAMFS_REASON_NONE, "still serving after the denied shutdown");

	fd = make_mapped_file(mnt, "s", &m);
	if (fd < 0)
		return 1;
	p = mmap(NULL, m.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!report(p != MAP_FAILED, "mmap", "%s", errname(errno)))
		return 1;
	memset(p, 0x5a, m.size);
	report(pread(fd, buf, sizeof(buf), 0) == sizeof(buf) && buf[0] == 0x5a, "read before the shutdown", NULL);

	/* on a file: the ioctl serves every file of the mount */
	expect_rc(ioctl(fd, FAMFSIOC_SHUTDOWN), 0, "SHUTDOWN on a file as root");
	expect_state(mnt, FAMFS_STATE_SHUTDOWN | FAMFS_STATE_RELEASED, FAMFS_REASON_ADMIN,
		     "GET_STATE: shut down, released, reason admin");
	report(mount_has_option(mnt, "shutdown=admin"), "/proc/mounts shows shutdown=admin", NULL);
	report(touch_sigbus(p, false), "load through the old mapping -> SIGBUS", NULL);
	report(touch_sigbus(p + MiB, true), "store through the old mapping -> SIGBUS", NULL);
	expect_rc(pread(fd, buf, sizeof(buf), 0), EIO, "read after the shutdown -> EIO");
	expect_rc(pwrite(fd, buf, sizeof(buf), 0), EIO, "write after the shutdown -> EIO");
	expect_rc(fsync(fd), EIO, "fsync after the shutdown -> EIO");
	{
		void *q = mmap(NULL, m.size, PROT_READ, MAP_SHARED, fd, 0);

		expect_rc(q == MAP_FAILED ? -1 : 0, EIO, "new mmap after the shutdown -> EIO");
		if (q != MAP_FAILED)
			munmap(q, m.size);
	}
	dfd = open(mnt, O_RDONLY | O_DIRECTORY);
	expect_rc(dfd >= 0 ? ioctl(dfd, FAMFSIOC_SHUTDOWN) : -1, 0, "SHUTDOWN again on the root -> 0 (idempotent)");
	if (dfd >= 0)
		close(dfd);
	expect_state(mnt, FAMFS_STATE_SHUTDOWN | FAMFS_STATE_RELEASED, FAMFS_REASON_ADMIN,
		     "the first reason stays");
	snprintf(path, sizeof(path), "%s/new", mnt);
	expect_rc(open(path, O_CREAT | O_EXCL | O_RDWR, 0644), EIO, "create after the shutdown -> EIO");
	munmap(p, m.size);
	close(fd);
	expect_rc(umount2(mnt, 0), 0, "umount after the shutdown");
	if (expect_rc(mount_famfs(dev, mnt, 0, NULL), 0, "fresh mount after the shutdown")) {
		expect_state(mnt, 0, FAMFS_REASON_NONE, "fresh mount serves again");
		expect_rc(umount2(mnt, 0), 0, "umount");
	}
	return g_fail ? 1 : 0;
}

/* ---- removal ---- */

/* count of "blocked for more than" in the kernel log */
static int hung_reports(void)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf, *s;
	int n = 0;

	if (len <= 0)
		return -1;
	buf = calloc(1, len + 1);
	if (!buf)
		return -1;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	for (s = buf; len > 0 && (s = strstr(s, "blocked for more than")); s++)
		n++;
	free(buf);
	return len < 0 ? -1 : n;
}

/* pids in D state, written to OUT; count */
static int d_state_tasks(char *out, size_t outlen)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	out[0] = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300], stat[512], *rp;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(stat, sizeof(stat), f) && (rp = strrchr(stat, ')')) && rp[1] == ' ' && rp[2] == 'D') {
			size_t l = strlen(out);

			*rp = 0;
			snprintf(out + l, outlen - l, " %s", strchr(stat, '(') ? strchr(stat, '(') : stat);
			n++;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

/* the process that holds the mapping: maps, reports ready, waits, touches */
static void mapper(int fd, uint64_t size, int ready, int go)
{
	volatile uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char c = 'r';

	if (p == MAP_FAILED)
		_exit(20);
	p[0] = 0x77;
	p[size - 1] = 0x78;
	if (write(ready, &c, 1) != 1)
		_exit(21);
	if (read(go, &c, 1) != 1)
		_exit(22);
	(void)p[4096];	/* after the removal: SIGBUS */
	_exit(0);
}

/* run ARGV (or write TEXT to PATH when argv is NULL) in a child */
static pid_t start_removal(char *const argv[], const char *path, const char *text)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid != 0)
		return pid;
	if (argv) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(nul, 1);
		dup2(nul, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	_exit(write_file(path, text) ? 1 : 0);
}

static int run_argv(char *const argv[])
{
	pid_t pid = start_removal(argv, NULL, NULL);
	int st = -1;

	waitpid(pid, &st, 0);
	return st;
}

int cmd_remove(const char *kind, const char *dev, const char *mnt, const char *ns)
{
	bool devdax = strncmp(kind, "devdax", 6) == 0, by_ndctl = strcmp(kind, "devdax-ns") == 0;
	struct tmap m = { .ftype = FAMFS_REG, .n = 1, .off = { 120 * MiB },
			  .len = { 4 * MiB }, .size = 4 * MiB };
	const char *name = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
	int ready[2], go[2], fd, st = -1, mst = -1, hung0, hung1, nd, i;
	char buf[4096], dlist[1024];
	pid_t mp, rp, w = 0;
	double t0, took = -1;
	char c;

	set_tag(by_ndctl ? "remove-devdax-ndctl" : devdax ? "remove-devdax" : "remove-pmem");
	mkdir(mnt, 0755);
	if (write_file("/proc/sys/kernel/hung_task_timeout_secs", "2"))
		info("cannot lower hung_task_timeout_secs: %s", errname(errno));
	hung0 = hung_reports();
	if (!expect_rc(mount_famfs(dev, mnt, 0, NULL), 0, "mount %s", dev))
		return 1;
	fd = make_mapped_file(mnt, "r", &m);
	if (fd < 0 || pipe(ready) || pipe(go))
		return 1;
	fflush(stdout);
	mp = fork();
	if (mp == 0) {
		close(ready[0]);
		close(go[1]);
		mapper(fd, m.size, ready[1], go[0]);
	}
	close(ready[1]);
	close(go[0]);
	if (!report(read(ready[0], &c, 1) == 1, "a live process maps and stores into a file", NULL))
		return 1;

	if (!devdax) {
		char *argv[] = { "ndctl", "disable-namespace", (char *)ns, NULL };

		st = run_argv(argv);
		report(WIFEXITED(st) && WEXITSTATUS(st) != 0,
		       "ndctl disable-namespace refuses the mounted fsdax namespace (exclusive holder)",
		       "status %#x", st);
		expect_state(mnt, 0, FAMFS_REASON_NONE, "the mount still serves after the refusal");
	}
	t0 = now_sec();
	if (by_ndctl) {
		char *argv[] = { "ndctl", "disable-namespace", (char *)ns, NULL };

		rp = start_removal(argv, NULL, NULL);
	} else if (devdax) {
		rp = start_removal(NULL, "/sys/bus/dax/drivers/device_dax/unbind", name);
	} else {
		rp = start_removal(NULL, "/sys/bus/nd/drivers/nd_pmem/unbind", ns);
	}
	for (i = 0; i < 600 && (w = waitpid(rp, &st, WNOHANG)) == 0; i++)
		usleep(50000);
	if (w == rp)
		took = now_sec() - t0;
	{
		const char *what = by_ndctl ? "ndctl disable-namespace (devdax namespace)" :
				   devdax ? "device-dax unbind" : "nd_pmem unbind of the namespace";
		char name2[128];

		info("%s while a process maps a file: %.3f s", what, took);
		snprintf(name2, sizeof(name2), "%s returns within 5 s", what);
		report(w == rp && took < REMOVE_LIMIT_SEC, name2, "took %.1f s (or still running)",
		       w == rp ? took : 30.0);
	}
	report(w == rp && WIFEXITED(st) && WEXITSTATUS(st) == 0, "the removal succeeded", "status %#x", st);
	expect_state(mnt, FAMFS_STATE_SHUTDOWN | FAMFS_STATE_RELEASED, FAMFS_REASON_DEVICE_GONE,
		     "GET_STATE: shut down, released, reason device_gone");
	report(mount_has_option(mnt, "shutdown=device_gone"), "/proc/mounts shows shutdown=device_gone", NULL);
	expect_rc(pread(fd, buf, sizeof(buf), 0), EIO, "read after the removal -> EIO");
	expect_rc(pwrite(fd, buf, sizeof(buf), 0), EIO, "write after the removal -> EIO");
	expect_rc(fsync(fd), EIO, "fsync after the removal -> EIO");

	/* the mapping stays in place for the hung-task watchdog to look */
	sleep(2 * HUNG_TIMEOUT_SEC + 1);
	nd = d_state_tasks(dlist, sizeof(dlist));
	report(nd == 0, "no task in D state", "%d:%s", nd, dlist);
	hung1 = hung_reports();
	report(hung0 >= 0 && hung1 == hung0, "no \"blocked for more than\" in the kernel log",
	       "%d reports before, %d after", hung0, hung1);

	if (write(go[1], &c, 1) != 1)
		info("cannot wake the mapping process");
	waitpid(mp, &mst, 0);
	report(WIFSIGNALED(mst) && WTERMSIG(mst) == SIGBUS, "the mapping process gets SIGBUS on its next touch",
	       "status %#x", mst);
	close(ready[0]);
	close(go[1]);
	close(fd);
	expect_rc(umount2(mnt, 0), 0, "umount after the removal");
	if (w == 0) {	/* do not leave a removal behind */
		kill(rp, SIGKILL);
		waitpid(rp, &st, 0);
	}

	/* bring the device back for the tests that follow */
	if (devdax && !by_ndctl) {
		expect_rc(mount_famfs(dev, mnt, 0, NULL), ENXIO, "mount of the unbound device-dax device -> ENXIO");
		expect_rc(write_file("/sys/bus/dax/drivers/device_dax/bind", name), 0, "bind %s again", name);
	} else {
		char *argv[] = { "ndctl", "enable-namespace", (char *)ns, NULL };

		st = run_argv(argv);
		report(WIFEXITED(st) && WEXITSTATUS(st) == 0, "ndctl enable-namespace again", "status %#x", st);
	}
	for (i = 0; i < 100 && access(dev, F_OK); i++)
		usleep(100000);
	if (expect_rc(mount_famfs(dev, mnt, 0, NULL), 0, "mount of the device brought back")) {
		expect_state(mnt, 0, FAMFS_REASON_NONE, "the new mount serves");
		expect_rc(umount2(mnt, 0), 0, "umount");
	}
	expect_rc(famfs_unload(), 0, "rmmod after the removal");
	expect_rc(famfs_load(), 0, "insmod again");
	return g_fail ? 1 : 0;
}
