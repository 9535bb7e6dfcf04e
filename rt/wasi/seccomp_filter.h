/* The seccomp-bpf program behind wasmrt_seccomp_install, exposed so a unit
 * test can run it through a BPF interpreter over every system call number
 * and the argument cases, instead of trusting the kernel's verdict on a
 * handful of calls. */
#ifndef WASMRT_SECCOMP_FILTER_H
#define WASMRT_SECCOMP_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sock_filter;

/* PAGEMAP_SCAN, _IOWR('f', 16, struct pm_scan_arg): freeing an imaged
 * memory asks the runtime's own /proc/self/pagemap which pages the
 * instance wrote (rt/pagemap_scan.c, which checks this value).  Read-only
 * for memory the process never registered with userfaultfd. */
#define RT_IOCTL_PAGEMAP_SCAN 0xC0606610u

/* Room for the whole program; the builder fails rather than overflow it. */
#define WASMRT_SECCOMP_MAX_INSNS 256

/* Writes the filter for this architecture into out (cap instructions),
 * with tgkill allowed only for thread group pid.  Returns the number of
 * instructions, or 0 if it does not fit or a jump is out of BPF's range.
 * Internal: the rt_ prefix keeps it out of libwasmrt.so's exports. */
size_t rt_seccomp_program(struct sock_filter *out, size_t cap, uint32_t pid);

/* The same plus the socket calls a WASI 0.2 network policy needs (RT_NET_*
 * bits; 0 = none, the program above): socket() for IPv4/IPv6 only (other
 * families get EAFNOSUPPORT), setsockopt/getsockname/getpeername, and
 * connect (TCP connect, UDP, DNS), bind+listen (TCP listen), bind (UDP),
 * sendmmsg and uname (DNS). */
enum { RT_NET_TCP_CONNECT = 1, RT_NET_TCP_LISTEN = 2, RT_NET_UDP = 4, RT_NET_DNS = 8,
       /* wasmrt serve's profile: epoll, setsockopt/getsockname/getpeername
        * on accepted connections, rt_sigtimedwait; no socket() */
       RT_SERVE = 16 };
size_t rt_seccomp_program_net(struct sock_filter *out, size_t cap, uint32_t pid, unsigned net);
struct wasmrt_error;
bool rt_seccomp_install_net(unsigned net, struct wasmrt_error *err);

#endif
