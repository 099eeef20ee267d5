#include "cre2shim.h"
#include <re2/re2.h>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include <map>

struct policyd_re2 { re2::RE2 *re; };

extern "C" void policyd_re2_free(policyd_re2 *re) {
    if (re) { delete re->re; delete re; }
}

extern "C" void policyd_re2_free_string(char *s) { free(s); }

extern "C" int policyd_re2_num_groups(const policyd_re2 *re) { return re->re->NumberOfCapturingGroups(); }

extern "C" int policyd_re2_partial_match(const policyd_re2 *re, const char *text, size_t len) {
    return re2::RE2::PartialMatch(re2::StringPiece(text, len), *re->re) ? 1 : 0;
}

extern "C" int policyd_re2_find(const policyd_re2 *re, const char *text, size_t len, size_t start,
                                int anchor_start, int64_t *spans, int nspans) {
    int ngroups = re->re->NumberOfCapturingGroups() + 1;
    if (nspans < 2 * ngroups) ngroups = nspans / 2;
    std::vector<re2::StringPiece> sub(ngroups > 0 ? ngroups : 1);
    re2::StringPiece input(text, len);
    bool ok = re->re->Match(input, start, len, anchor_start ? re2::RE2::ANCHOR_START : re2::RE2::UNANCHORED,
                            sub.data(), ngroups > 0 ? ngroups : 1);
    if (!ok) return 0;
    for (int i = 0; i < ngroups; i++) {
        if (sub[i].data() == nullptr) { spans[2 * i] = -1; spans[2 * i + 1] = -1; }
        else {
            spans[2 * i] = (int64_t)(sub[i].data() - text);
            spans[2 * i + 1] = spans[2 * i] + (int64_t)sub[i].size();
        }
    }
    return 1;
}

extern "C" policyd_re2 *policyd_re2_compile_detailed(const char *pattern, size_t len, int *code_out, char **arg_out) {
    re2::RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_encoding(re2::RE2::Options::EncodingUTF8);
    auto *re = new re2::RE2(re2::StringPiece(pattern, len), opts);
    if (!re->ok()) {
        if (code_out) *code_out = (int)re->error_code();
        if (arg_out) *arg_out = strdup(re->error_arg().c_str());
        delete re;
        return nullptr;
    }
    return new policyd_re2{re};
}

extern "C" const char *policyd_re2_group_name(const policyd_re2 *re, int index) {
    const std::map<int, std::string> &names = re->re->CapturingGroupNames();
    auto it = names.find(index);
    if (it == names.end()) return nullptr;
    return it->second.c_str();
}
