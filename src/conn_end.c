/* summary: classify how a connection ended from its story (conn_end.h). */
#include "conn_end.h"

#include <string.h>

#include "conn_summary.h"

/* From the story alone (when the tracker's record is not at hand). */
static enum conn_end from_story(const struct story *s)
{
    bool syn = false, synack = false, other = false, fin[2] = {false, false};
    bool closing = false, combined = false, refused = false, rst = false, done = false;
    uint32_t n = story_count(s);
    for (uint32_t i = 0; i < n; i++) {
        const struct story_ev *e = story_at(s, i);
        if ((e->flags & (TH_SYN | TH_ACK)) == TH_SYN)
            syn = true;
        else if ((e->flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK))
            synack = true;
        else
            other = true;
        if (e->flags & TH_RST) {
            rst = true;
            if (!strcmp(e->step, "reset.refused"))
                refused = true;
        }
        if (e->flags & TH_FIN)
            fin[e->from_client ? 0 : 1] = true;
        if (!strcmp(e->step, "teardown.2+3"))
            combined = true;
        if (e->st_client == ST_CLOSING || e->st_server == ST_CLOSING)
            closing = true;
        if (!strcmp(e->step, "teardown.4"))
            done = true;
    }
    if (refused)
        return CE_REFUSED;
    if (rst)
        return CE_RESET;
    if (syn && !synack && !other)
        return CE_NO_ANSWER;
    if (fin[0] && fin[1] && done)
        return closing ? CE_SIMULTANEOUS : combined ? CE_THREE_WAY : CE_FOUR_WAY;
    if (fin[0] || fin[1])
        return CE_HALF_CLOSED;
    return s->syn_seen_first || syn || synack ? CE_OPEN : CE_MIDSTREAM_OPEN;
}

enum conn_end conn_end_of(const struct story *s)
{
    if (!s->conn)
        return from_story(s);
    struct conn_summary cs;
    conn_summarize(s->conn, &cs);
    switch (cs.ended) {
    case ENDED_FOUR_WAY: return CE_FOUR_WAY;
    case ENDED_THREE_WAY: return CE_THREE_WAY;
    case ENDED_SIMULTANEOUS: return CE_SIMULTANEOUS;
    case ENDED_RST_CLIENT: case ENDED_RST_SERVER: return CE_RESET;
    case ENDED_REFUSED: return CE_REFUSED;
    case ENDED_HALF_CLOSED: return CE_HALF_CLOSED;
    case ENDED_OPEN: default:
        if (cs.began == BEGAN_SYN_ONLY)
            return CE_NO_ANSWER;
        return cs.began == BEGAN_MIDSTREAM ? CE_MIDSTREAM_OPEN : CE_OPEN;
    }
}

const char *conn_end_service(uint16_t port)
{
    switch (port) {
    case 20: case 21: return "FTP";
    case 22: return "SSH";
    case 23: return "Telnet";
    case 25: case 587: return "SMTP";
    case 53: return "DNS";
    case 80: case 8080: return "HTTP";
    case 110: return "POP3";
    case 143: return "IMAP";
    case 443: case 8443: return "HTTPS";
    case 445: return "SMB";
    case 993: return "IMAPS";
    case 3306: return "MySQL";
    case 5432: return "PostgreSQL";
    case 6379: return "Redis";
    default: return NULL;
    }
}
