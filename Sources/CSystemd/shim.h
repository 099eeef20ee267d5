#ifndef POLICYD_CSYSTEMD_SHIM_H
#define POLICYD_CSYSTEMD_SHIM_H
// Without this, sd_journal_sendv is a macro that stamps this header's own file and line;
// policyd passes CODE_FILE/CODE_LINE/CODE_FUNC itself.
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <sys/socket.h>
#include <sys/uio.h>

// sendmmsg(2) and struct mmsghdr are declared only under _GNU_SOURCE, which Swift's Glibc
// module is not built with: the same ABI under policyd's own names (decision journal batches).
struct policyd_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};
extern int policyd_sendmmsg(int fd, struct policyd_mmsghdr *vec, unsigned int n, int flags) __asm__("sendmmsg");
#endif
