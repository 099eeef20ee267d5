#ifndef POLICYD_CSYSTEMD_SHIM_H
#define POLICYD_CSYSTEMD_SHIM_H
// Without this, sd_journal_sendv is a macro that stamps this header's own file and line;
// policyd passes CODE_FILE/CODE_LINE/CODE_FUNC itself.
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <sys/uio.h>
#endif
