/* summary: the English message table (msg.h). The comment before each message lists its
 * arguments; other tables take the same ones. */
#include "msg.h"

#include <string.h>

const struct msg_table msg_en = {"en", {
    /* words */
    [M_W_CLIENT] = "client",
    [M_W_SERVER] = "server",
    [M_LIST_SEP] = ", ",
    [M_LIST_AND] = " and ",
    [M_CLAUSE_SEP] = ", ",
    [M_CLAUSE_AND] = " and ",
    [M_RANGE] = "%llu\xe2\x80\x93%llu",                 /* first, last */
    [M_PKTS_1] = "packet %llu",
    [M_PKTS_N] = "packets %s",
    [M_SECONDS] = "%s s",                                /* "0.112" */
    [M_MS] = "%s ms",                                    /* "35.335" */
    [M_BYTES_1] = "%llu byte",
    [M_BYTES_N] = "%llu bytes",
    [M_SEGS_1] = "%llu segment",
    [M_SEGS_N] = "%llu segments",
    [M_SERVICE] = " (%s)",                               /* "HTTP" */
    [M_MORE_PACKETS] = ", \xe2\x80\xa6",
    /* header: client addr, client port, server addr, server port, stream */
    [M_TITLE] = "Connection: %s port %u \xe2\x86\x92 %s port %u (TCP stream %u)",
    /* client addr, client port, server addr, server port, service */
    [M_OPENED_BY_CLIENT] = "The client %s (port %u) opened a TCP connection to the server %s "
                           "on port %u%s.",
    [M_OPENED_UNKNOWN] = "The capture does not show who opened this connection: %s (port %u) "
                         "is taken as the client and %s as the server on port %u%s.",
    /* packets, frame range, duration */
    [M_SPAN] = "The capture holds %llu of its packets (%s), spread over %s.",
    /* omitted, head, tail */
    /* packet */
    [M_SPAN_1] = "The capture holds only one of its packets (packet %llu).",
    [M_TRUNCATED] = "It is long: only its first %2$u and last %3$u packets are described one "
                    "by one; the %1$llu in between are counted in the totals.",
    /* handshake */
    [M_H_OPEN] = "Opening: the three-way handshake (%s)",
    [M_H_OPEN_PARTIAL] = "Opening",
    /* packets */
    [M_H_OPEN_TRY] = "Opening: the attempt (%s)",
    [M_SEQACK_INTRO] = "Each side numbers the bytes it sends. Seq is the number of the first "
                       "byte in a packet; Ack is the number of the next byte the sender expects "
                       "from the other side, which confirms everything before it. SYN=1, ACK=1 "
                       "and FIN=1 mean that this flag is set in the packet.",
    /* step number, packet, from, to, fields */
    [M_STEP] = "%u. Packet %llu, %s \xe2\x86\x92 %s: %s.",
    /* who, seq, raw seq */
    [M_SYN] = "The %s asks to open a connection (SYN: synchronize) and picks its initial "
              "sequence number. Seq=%u is relative: the real number, chosen at random, is %u; "
              "tcplens, like Wireshark, counts from it so the numbers stay small.",
    /* times, packets */
    [M_SYN_AGAIN] = "The SYN was sent %llu times (%s): the first tries got no answer "
                    "in time.",
    /* who, seq, raw seq */
    [M_SYNACK] = "The %s agrees and picks its own initial sequence number: Seq=%u here, "
                 "really %u.",
    /* seq, seq + 1, who acknowledges, whose SYN */
    [M_ACK_SYN] = "Ack = %u + 1 = %u: the %s acknowledges the %s's SYN, which counts as one "
                  "byte.",
    /* seq, expected ack, packet of the SYN, ack */
    [M_ACK_SYN_BAD] = "Ack should be %u + 1 = %u to acknowledge packet %llu, but it is %u: "
                      "the capture breaks the rule here (the SYN it answers is missing or "
                      "different).",
    /* seq, who asked, packet */
    [M_HS3_SEQ] = "Seq=%u is the Ack that the %s sent in packet %llu.",
    /* seq, who asked, packet, the Ack it asked for */
    [M_HS3_SEQ_BAD] = "Seq=%1$u, although the %2$s asked for %4$u in packet %3$llu: the "
                      "capture breaks the rule here.",
    [M_ESTABLISHED] = "Both sides are now ESTABLISHED: the connection is open and data can "
                      "flow both ways.",
    /* client's options, server's options, what that means for both */
    [M_OPTIONS] = "Options: the client offered %s and the server answered %s, so %s.",
    [M_OPT_NONE] = "none",
    /* max bytes to the server, to the client */
    [M_AG_MSS] = "a packet to the server carries at most %u bytes of data and one to the "
                 "client at most %u (MSS)",
    [M_AG_WS] = "window scaling is on (each side may announce more than 64 KiB of room to "
                "receive)",
    [M_AG_NOWS] = "window scaling is off (only one side offered it)",
    [M_AG_SACK] = "lost data can be acknowledged selectively (SACK)",
    [M_AG_TS] = "every packet carries timestamps",
    [M_AG_NOTHING] = "no options are in use",
    /* duration, first packet, last packet */
    [M_IRTT] = "The handshake took %s (packet %llu to packet %llu): this is the round-trip "
               "time (iRTT) between the two hosts as seen from where the capture was taken.",
    [M_NO_HANDSHAKE] = "The capture starts in the middle of this connection: its handshake "
                       "is not in it. Which side is the client is a guess (the side with the "
                       "well-known port is taken as the server), and Seq/Ack count from the "
                       "first packet seen, not from the real start.",
    /* server addr, port */
    [M_SYN_NO_ANSWER] = "No answer came back from %s port %u in the capture.",
    [M_NO_HS3] = "The client's final ACK of the handshake is not in the capture.",
    [M_STARTS_SYNACK] = "The client's SYN is not in the capture: it begins with the server's "
                        "answer.",
    /* data */
    [M_H_DATA] = "Data (%s)",
    /* protocol, packets */
    [M_H_DATA_APP] = "Data: the %s exchange (%s)",
    [M_H_DATA_NONE] = "Data",
    /* who, bytes, segments */
    [M_DATA_DIR] = "The %s sent %s of data in %s.",
    /* bytes */
    [M_DATA_RETX] = "Of these, %s were sent again (retransmissions).",
    [M_DATA_DIR_NONE] = "The %s sent no data.",
    [M_DATA_NONE] = "The capture shows no data from either side.",
    [M_APP_INTRO] = "What the programs said to each other:",
    /* packet, from, to, summary */
    [M_APP_LINE] = "packet %llu, %s \xe2\x86\x92 %s: %s",
    [M_APP_MORE] = "\xe2\x80\xa6 and %u more",
    /* packet, who confirms, bytes, ack */
    [M_ACKED_ALL_SUM] = "The %2$s confirmed all of it in packet %1$llu: Ack = 1 + %3$llu = "
                        "%4$u, the number after the last byte.",
    /* packet, who confirms, ack */
    [M_ACKED_ALL] = "The %2$s confirmed all of it in packet %1$llu (Ack=%3$u).",
    /* who should confirm, sender */
    [M_NOT_ACKED] = "No packet in the capture shows the %s confirming the %s's last bytes.",
    [M_TROUBLE_NONE] = "No trouble: nothing was sent twice or lost, and neither side ran out "
                       "of room to receive.",
    /* trouble: sender, count, packets, the other side */
    [M_TR_RETRANS] = "Retransmissions by the %1$s: %2$llu (%3$s). The %1$s sent data "
                     "again because the %4$s's acknowledgement did not come in time; usually "
                     "the data or the ACK was lost.",
    [M_TR_FAST_RETRANS] = "%2$llu of the %1$s's retransmissions were fast retransmissions "
                          "(%3$s): duplicate ACKs from the %4$s signalled a gap, so it "
                          "resent the missing data at once instead of waiting.",
    [M_TR_SPURIOUS] = "%2$llu of the %1$s's retransmissions were needless (%3$s): the "
                      "%4$s had already received that data.",
    [M_TR_LOST] = "Gaps in the %1$s's data: %2$llu (before %3$s). A segment the %1$s "
                  "sent to the %4$s is not in the capture: it was lost before the capture "
                  "point, or the capture missed it.",
    [M_TR_ACK_LOST] = "ACKs from the %1$s for data the capture never saw: %2$llu (packets "
                      "%3$s). The %4$s's data got through, but the capture missed it.",
    [M_TR_OOO] = "Out-of-order segments from the %1$s: %2$llu (%3$s). They passed the "
                 "capture point after later data; the %4$s has to put them back in order.",
    [M_TR_DUPACK] = "Duplicate ACKs from the %1$s: %2$llu (%3$s). The %1$s "
                    "acknowledged the same byte again, which tells the %4$s that something "
                    "after it is missing.",
    [M_TR_ZERO_WIN] = "Zero windows from the %1$s: %2$llu (%3$s). Its receive buffer "
                      "was full, so the %4$s had to stop sending until it made room.",
    [M_TR_ZW_PROBE] = "Zero-window probes by the %1$s: %2$llu (%3$s): it checked "
                      "whether the %4$s had made room again.",
    [M_TR_WIN_FULL] = "The %1$s filled the %4$s's receive window %2$llu times (%3$s) "
                      "and had to wait for room.",
    [M_TR_KEEPALIVE] = "Keep-alives by the %1$s: %2$llu (%3$s). During a quiet time "
                       "it checked that the %4$s was still there; this is normal.",
    [M_TR_REUSED] = "Reused ports: %2$llu (packet %3$s). The %1$s opened this connection with "
                    "the same addresses and ports as an earlier one with the %4$s.",
    /* close: frame range */
    [M_H_CLOSE_FOUR] = "Closing: the four-way handshake (%s)",
    [M_H_CLOSE_THREE] = "Closing: a three-packet close (%s)",
    [M_H_CLOSE_SIMUL] = "Closing: a simultaneous close (%s)",
    [M_H_CLOSE] = "Closing (%s)",
    [M_H_CLOSE_NONE] = "Closing",
    [M_H_RESET] = "Ending: a reset (%s)",
    [M_H_REFUSED] = "Refused (%s)",
    /* who */
    [M_FIN_FIRST] = "The %s has nothing more to send (FIN: finish).",
    [M_FIN_SECOND] = "The %s has finished too and sends its own FIN.",
    /* seq, last data number */
    [M_FIN_SEQ_DATA] = "Seq=%u: its data took numbers 1 to %u, so the FIN comes next.",
    [M_FIN_SEQ_NODATA] = "Seq=%u: it sent no data, so the FIN takes the number right after "
                         "its SYN.",
    /* seq, last data number seen, missing bytes */
    [M_FIN_SEQ_GAP] = "Seq=%u, but its data in the capture ends at number %u: %u bytes before "
                      "the FIN are missing from the capture.",
    /* seq, len, last data number, the FIN's number */
    [M_FIN_WITH_DATA] = "This packet also carries the last %2$u bytes of data, numbers %1$u to "
                        "%3$u; the FIN comes right after them, as number %4$u.",
    /* FIN seq, result, who acknowledges, whose FIN */
    [M_ACK_FIN] = "Ack = %u + 1 = %u: the %s acknowledges the %s's FIN, which counts as one "
                  "byte.",
    /* FIN seq, FIN len, result, who acknowledges, whose FIN */
    [M_ACK_FIN_DATA] = "Ack = %u + %u + 1 = %u: the %s acknowledges the %s's last data and its "
                       "FIN, which counts as one byte.",
    /* FIN seq, expected, FIN packet, ack */
    [M_ACK_FIN_BAD] = "To acknowledge the FIN of packet %3$llu, Ack should be %1$u + 1 = %2$u, "
                      "but it is %4$u: the capture breaks the rule here.",
    /* seq, who, last data number */
    [M_SEQ_NEXT] = "Seq=%u is simply the %s's next number, not a random one: its data took "
                   "numbers 1 to %u.",
    [M_SEQ_NEXT_NODATA] = "Seq=%u is simply the %s's next number: it sent no data.",
    /* who closed, the other side */
    [M_HALF_CLOSED] = "The connection is now half-closed: the %s can no longer send, but it "
                      "can still receive whatever the %s has left to send.",
    /* seq, ack, packet */
    [M_SEQ_SAME] = "Seq is still %u and Ack still %u, as in packet %llu: nothing was sent in "
                   "between.",
    /* who */
    [M_FIN_AND_ACK] = "The %s acknowledges the FIN and sends its own FIN in the same packet, "
                      "so the close takes three packets instead of four.",
    /* seq, FIN seq */
    [M_SEQ_AFTER_FIN] = "Seq = %2$u + 1 = %1$u: the number after its own FIN.",
    /* seq, expected */
    [M_SEQ_AFTER_FIN_BAD] = "Seq=%u, although the number after its own FIN is %u: the capture "
                            "breaks the rule here.",
    /* client state, server state */
    [M_STATES] = "Now the client is in %s and the server in %s.",
    /* who is closed, who waits */
    [M_TIME_WAIT] = "The %s is CLOSED at once; the %s waits in TIME-WAIT (about a minute on "
                    "Linux, up to four minutes elsewhere) in case this last ACK was lost and "
                    "the FIN comes again, then it is CLOSED too.",
    [M_TIME_WAIT_BOTH] = "Both sides wait in TIME-WAIT for a while in case a last ACK was lost, "
                         "then they are CLOSED.",
    /* packet of the first FIN, of this one, who sent this one, its Ack, the other side */
    [M_SIMUL] = "The FINs of packets %1$llu and %2$llu crossed on the way: the %3$s sent its "
                "FIN before the %5$s's FIN reached it (Ack=%4$u does not cover that FIN). Both "
                "sides closed at the same time (a simultaneous close), so each goes through "
                "CLOSING instead of FIN-WAIT-2.",
    /* who, bytes, segments, packets, who closed */
    [M_HALF_DATA] = "While half-closed, the %s still sent %s in %s (%s): allowed, "
                    "since the %s can still receive.",
    /* packets */
    [M_FIN_AGAIN] = "A FIN was sent again in %s: the first one was not acknowledged in "
                    "time.",
    /* who */
    [M_RST_ABORT] = "The %s aborts the connection with a reset (RST): it ends at once on both "
                    "sides, without the FIN exchange, and data still on the way is thrown "
                    "away. A program does this when it gives up on a connection or closes it "
                    "with data left unread; a host also answers RST to a packet for a "
                    "connection it does not know.",
    [M_RST_AFTER_FIN] = "The reset came after a FIN: the %s did not wait for the orderly close "
                        "to finish.",
    /* count, packets */
    [M_RST_MORE] = "%llu more RST packets follow (%s).",
    /* who, port */
    [M_REFUSED] = "The %s refuses the connection: it answers the SYN with a reset (RST). "
                  "Usually nothing is listening on port %u there, or a firewall rejects the "
                  "connection.",
    /* SYN seq, result, SYN packet */
    [M_REFUSED_ACK] = "Ack = %u + 1 = %u: the RST answers the SYN of packet %llu.",
    /* client state, server state */
    [M_STILL_OPEN] = "The capture ends while the connection is still open (client %s, server "
                     "%s): how it ended is not in the capture.",
    /* whose FIN, its state */
    [M_FIN_NOT_ACKED] = "The ACK of the %1$s's FIN is not in the capture; as far as the capture "
                        "shows, the %1$s stays in %2$s.",
    /* who closed, the other, its state */
    [M_ONLY_ONE_FIN] = "Only the %s closed its side; the %s sent no FIN in the capture and "
                       "stays in %s: the connection is left half-closed.",
    [M_CLOSE_NOT_KEPT] = "The close is in the part of the connection that is not described "
                         "packet by packet.",
    [M_STATE_LEGEND] = "What the states mean:",
    [M_ST_SYN_SENT] = "SYN-SENT: has sent a SYN and waits for the answer.",
    [M_ST_SYN_RECEIVED] = "SYN-RECEIVED: has answered a SYN and waits for the final ACK.",
    [M_ST_ESTABLISHED] = "ESTABLISHED: the connection is open.",
    [M_ST_FIN_WAIT_1] = "FIN-WAIT-1: has sent its FIN and waits for it to be acknowledged.",
    [M_ST_FIN_WAIT_2] = "FIN-WAIT-2: its FIN is acknowledged; waits for the other side's FIN "
                        "and can still receive.",
    [M_ST_CLOSE_WAIT] = "CLOSE-WAIT: the other side has finished; waits for its own program to "
                        "close and can still send.",
    [M_ST_CLOSING] = "CLOSING: both sides sent a FIN at the same time; waits for the ACK of its "
                     "own.",
    [M_ST_LAST_ACK] = "LAST-ACK: has sent its FIN after the other side's and waits for the "
                      "last ACK.",
    [M_ST_TIME_WAIT] = "TIME-WAIT: all done; waits a while in case the last ACK was lost, so "
                       "that late packets cannot disturb a new connection.",
    [M_ST_CLOSED] = "CLOSED: the connection no longer exists on that side.",
    /* summary */
    [M_H_SUMMARY] = "In short",
    /* bytes sent, bytes received, who closed first */
    [M_SUM_NORMAL] = "The client sent %s and received %s; the %s closed first, and both sides "
                     "closed in order.",
    [M_SUM_THREE] = "The client sent %s and received %s; the %s closed first, and the other "
                    "side answered with FIN and ACK in one packet.",
    /* bytes sent, bytes received */
    [M_SUM_SIMUL] = "The client sent %s and received %s; both sides closed at the same time.",
    /* bytes sent, bytes received, who reset */
    [M_SUM_RESET] = "The client sent %s and received %s; then the %s aborted the connection "
                    "with a reset.",
    /* who, port */
    [M_SUM_REFUSED] = "The %s refused the connection on port %u; no data was exchanged.",
    /* SYNs */
    [M_SUM_NO_ANSWER] = "The client tried to connect (%llu SYN) but got no answer in the "
                        "capture.",
    [M_SUM_OPEN] = "The client sent %s and received %s; the capture ends while the connection "
                   "is still open.",
    [M_SUM_HALF] = "The client sent %s and received %s; the %s began to close, but the close "
                   "does not finish in the capture.",
    [M_SUM_MIDSTREAM] = "The beginning of the connection is not in the capture.",
    [M_SUM_TROUBLE] = "There was trouble on the way (see Data).",
    [M_SUM_CLEAN] = "No packet was lost or sent twice.",
    /* run */
    [M_NO_CONN] = "No TCP connection in the capture.",
    [M_NO_STREAM] = "No TCP stream %u in the capture.",
    /* count, cap */
    [M_SKIPPED] = "%llu more connections were not explained: more than %u were open at once.",
    /* ladder */
    [M_L_CLIENT] = "client",
    [M_L_SERVER] = "server",
    /* packets, to the server: packets, arrow, bytes, to the client: packets, arrow, bytes */
    [M_L_FOLD] = "%llu packets: %llu %s %llu bytes, %llu %s %llu bytes",
    /* count */
    [M_L_OMITTED] = "%llu packets not kept",
    /* stream */
    /* seconds */
    [M_L_PAUSE] = "%.3f s later",
    [M_L_LEGEND] = "Arrows: packet number, flags, Seq/Ack (relative), Len; at the sides: new states",
    [M_L_LEGEND_ABS] = "Arrows: packet number, flags, Seq/Ack (absolute), Len; at the sides: new states",
    [M_L_TITLE] = "TCP stream %u",
}};

const struct msg_table *const msg_tables[] = {&msg_en, &msg_zh, NULL};

const struct msg_table *msg_table_for(const char *lang)
{
    if (!lang)
        return NULL;
    for (int i = 0; msg_tables[i]; i++)
        if (!strcmp(msg_tables[i]->lang, lang))
            return msg_tables[i];
    return NULL;
}
