/* summary: the message ids of the explanation and the ladder, and the tables that give their
 * text per language (msg_en.c, msg_zh.c). A message is a printf format; a translation may
 * reorder its arguments with positional conversions (%2$s) but must take the same arguments
 * with the same types (tests/unit checks every table against English). The argument list of
 * each message is written beside it in msg_en.c. */
#ifndef TCPLENS_MSG_H
#define TCPLENS_MSG_H

enum msg_id {
    /* words */
    M_W_CLIENT, M_W_SERVER, M_LIST_SEP, M_LIST_AND, M_CLAUSE_SEP, M_CLAUSE_AND, M_RANGE, M_PKTS_1, M_PKTS_N, M_SECONDS, M_MS,
    M_BYTES_1, M_BYTES_N, M_SEGS_1, M_SEGS_N, M_SERVICE, M_MORE_PACKETS,
    /* header */
    M_TITLE, M_OPENED_BY_CLIENT, M_OPENED_UNKNOWN, M_SPAN, M_SPAN_1, M_TRUNCATED,
    /* handshake */
    M_H_OPEN, M_H_OPEN_PARTIAL, M_H_OPEN_TRY, M_SEQACK_INTRO, M_STEP, M_SYN, M_SYN_AGAIN, M_SYNACK,
    M_ACK_SYN, M_ACK_SYN_BAD, M_HS3_SEQ, M_HS3_SEQ_BAD, M_ESTABLISHED, M_OPTIONS,
    M_OPT_NONE, M_AG_MSS, M_AG_WS, M_AG_NOWS, M_AG_SACK, M_AG_TS, M_AG_NOTHING,
    M_IRTT, M_NO_HANDSHAKE, M_SYN_NO_ANSWER, M_NO_HS3, M_STARTS_SYNACK,
    /* data */
    M_H_DATA, M_H_DATA_APP, M_H_DATA_NONE, M_DATA_DIR, M_DATA_RETX, M_DATA_DIR_NONE, M_DATA_NONE, M_APP_INTRO, M_APP_LINE,
    M_APP_MORE, M_ACKED_ALL, M_ACKED_ALL_SUM, M_NOT_ACKED, M_TROUBLE_NONE,
    M_TR_RETRANS, M_TR_FAST_RETRANS, M_TR_SPURIOUS, M_TR_LOST, M_TR_ACK_LOST, M_TR_OOO,
    M_TR_DUPACK, M_TR_ZERO_WIN, M_TR_ZW_PROBE, M_TR_WIN_FULL, M_TR_KEEPALIVE, M_TR_REUSED,
    /* close */
    M_H_CLOSE_FOUR, M_H_CLOSE_THREE, M_H_CLOSE_SIMUL, M_H_CLOSE, M_H_CLOSE_NONE, M_H_RESET, M_H_REFUSED,
    M_FIN_FIRST, M_FIN_SECOND, M_FIN_SEQ_DATA, M_FIN_SEQ_NODATA, M_FIN_SEQ_GAP, M_FIN_WITH_DATA,
    M_ACK_FIN, M_ACK_FIN_DATA, M_ACK_FIN_BAD, M_SEQ_NEXT, M_SEQ_NEXT_NODATA, M_HALF_CLOSED,
    M_SEQ_SAME, M_FIN_AND_ACK, M_SEQ_AFTER_FIN, M_SEQ_AFTER_FIN_BAD, M_STATES, M_TIME_WAIT,
    M_TIME_WAIT_BOTH, M_SIMUL, M_HALF_DATA, M_FIN_AGAIN, M_RST_ABORT, M_RST_AFTER_FIN,
    M_RST_MORE, M_REFUSED, M_REFUSED_ACK, M_STILL_OPEN, M_FIN_NOT_ACKED, M_ONLY_ONE_FIN,
    M_CLOSE_NOT_KEPT, M_STATE_LEGEND, M_ST_SYN_SENT, M_ST_SYN_RECEIVED, M_ST_ESTABLISHED,
    M_ST_FIN_WAIT_1, M_ST_FIN_WAIT_2, M_ST_CLOSE_WAIT, M_ST_CLOSING, M_ST_LAST_ACK,
    M_ST_TIME_WAIT, M_ST_CLOSED,
    /* summary */
    M_H_SUMMARY, M_SUM_NORMAL, M_SUM_THREE, M_SUM_SIMUL, M_SUM_RESET, M_SUM_REFUSED,
    M_SUM_NO_ANSWER, M_SUM_OPEN, M_SUM_HALF, M_SUM_TROUBLE, M_SUM_CLEAN, M_SUM_MIDSTREAM,
    /* run */
    M_NO_CONN, M_NO_STREAM, M_SKIPPED,
    /* ladder */
    M_L_CLIENT, M_L_SERVER, M_L_FOLD, M_L_OMITTED, M_L_PAUSE, M_L_TITLE, M_L_LEGEND, M_L_LEGEND_ABS,
    M_COUNT
};

struct msg_table {
    const char *lang;               /* "en" */
    const char *text[M_COUNT];
};

extern const struct msg_table msg_en, msg_zh;

/* The table for lang ("en", "zh"), or NULL. */
const struct msg_table *msg_table_for(const char *lang);
/* Every table, NULL-terminated (for tests and --help). */
extern const struct msg_table *const msg_tables[];

#endif
