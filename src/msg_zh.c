/* summary: the Chinese message table (msg.h), in the terms of the usual course material:
 * 三次握手, 四次挥手, 半关闭, 序列号 (Seq), 确认号 (Ack). Arguments as in msg_en.c. */
#include "msg.h"

const struct msg_table msg_zh = {"zh", {
    [M_W_CLIENT] = "客户端",
    [M_W_SERVER] = "服务器",
    [M_LIST_SEP] = "、",
    [M_LIST_AND] = "和",
    [M_CLAUSE_SEP] = "，",
    [M_CLAUSE_AND] = "，",
    [M_RANGE] = "%llu\xe2\x80\x93%llu",
    [M_PKTS_1] = "第 %llu 个数据包",
    [M_PKTS_N] = "第 %s 个数据包",
    [M_SECONDS] = "%s 秒",
    [M_MS] = "%s 毫秒",
    [M_BYTES_1] = "%llu 字节",
    [M_BYTES_N] = "%llu 字节",
    [M_SEGS_1] = "%llu 个报文段",
    [M_SEGS_N] = "%llu 个报文段",
    [M_SERVICE] = "（%s）",
    [M_MORE_PACKETS] = "……",
    [M_TITLE] = "连接：%s 端口 %u → %s 端口 %u（TCP 流 %u）",
    [M_OPENED_BY_CLIENT] = "客户端 %1$s（端口 %2$u）向服务器 %3$s 的 %4$u 端口%5$s发起了 TCP 连接。",
    [M_OPENED_UNKNOWN] = "抓包中看不到是谁发起了这个连接：这里把 %1$s（端口 %2$u）当作客户端，"
                         "把 %3$s 当作服务器（端口 %4$u%5$s）。",
    [M_SPAN] = "抓包中属于这个连接的数据包共 %1$llu 个（%2$s），历时 %3$s。",
    [M_SPAN_1] = "抓包中只有这个连接的一个数据包（第 %llu 个数据包）。",
    [M_TRUNCATED] = "这个连接很长：下面只逐个说明前 %2$u 个和最后 %3$u 个数据包，中间的 %1$llu "
                    "个只计入统计。",
    [M_H_OPEN] = "建立连接：三次握手（%s）",
    [M_H_OPEN_PARTIAL] = "建立连接",
    [M_H_OPEN_TRY] = "建立连接的尝试（%s）",
    [M_SEQACK_INTRO] = "双方各自给自己发送的字节编号。序列号 Seq 是数据包中第一个字节的编号；"
                       "确认号 Ack 是发送方期望从对方收到的下一个字节的编号，表示这之前的都已收到。"
                       "SYN=1、ACK=1、FIN=1 表示数据包中设置了这个标志位。",
    [M_STEP] = "%1$u. 第 %2$llu 个数据包，%3$s → %4$s：%5$s。",
    [M_SYN] = "%1$s请求建立连接（SYN：同步），并选定自己的初始序列号。Seq=%2$u 是相对序列号："
              "真正的初始序列号是随机产生的 %3$u，tcplens 和 Wireshark 一样从它开始计数，"
              "让数字保持简短。",
    [M_SYN_AGAIN] = "SYN 一共发送了 %1$llu 次（%2$s）：前几次没有及时得到回应。",
    [M_SYNACK] = "%1$s同意建立连接，并选定自己的初始序列号：这里显示 Seq=%2$u，实际是 %3$u。",
    [M_ACK_SYN] = "Ack = %1$u + 1 = %2$u：%3$s确认了%4$s的 SYN，SYN 算作一个字节。",
    [M_ACK_SYN_BAD] = "要确认第 %3$llu 个数据包，Ack 应该是 %1$u + 1 = %2$u，实际却是 %4$u："
                      "这里的抓包不符合规则（它回应的 SYN 缺失或不同）。",
    [M_HS3_SEQ] = "Seq=%1$u，正是%2$s在第 %3$llu 个数据包中给出的 Ack。",
    [M_HS3_SEQ_BAD] = "Seq=%1$u，而%2$s在第 %3$llu 个数据包中要求的是 %4$u：这里的抓包不符合规则。",
    [M_ESTABLISHED] = "双方现在都处于 ESTABLISHED 状态：连接已经建立，双向都可以传输数据。",
    [M_OPTIONS] = "选项：客户端提出 %1$s，服务器回复 %2$s，因此%3$s。",
    [M_OPT_NONE] = "无",
    [M_AG_MSS] = "发往服务器的数据包最多携带 %1$u 字节数据，发往客户端的最多 %2$u 字节（MSS）",
    [M_AG_WS] = "启用窗口缩放（双方可以通告超过 64 KiB 的接收窗口）",
    [M_AG_NOWS] = "不使用窗口缩放（只有一方提出）",
    [M_AG_SACK] = "丢失的数据可以选择性确认（SACK）",
    [M_AG_TS] = "每个数据包都带时间戳",
    [M_AG_NOTHING] = "没有使用任何选项",
    [M_IRTT] = "三次握手用时 %1$s（第 %2$llu 个到第 %3$llu 个数据包）：这就是从抓包位置看到的"
               "两台主机之间的往返时间（iRTT）。",
    [M_NO_HANDSHAKE] = "抓包是从这个连接的中途开始的，里面没有三次握手。哪一方是客户端只能推测"
                       "（使用知名端口的一方被当作服务器），Seq/Ack 也是从看到的第一个数据包开始"
                       "计数，而不是从连接真正的开始。",
    [M_SYN_NO_ANSWER] = "抓包中 %1$s 的 %2$u 端口没有任何回应。",
    [M_NO_HS3] = "抓包中没有客户端完成三次握手的最后一个 ACK。",
    [M_STARTS_SYNACK] = "抓包中没有客户端的 SYN：它从服务器的回应开始。",
    [M_H_DATA] = "发送数据（%s）",
    [M_H_DATA_APP] = "发送数据：%1$s 交互（%2$s）",
    [M_H_DATA_NONE] = "发送数据",
    [M_DATA_DIR] = "%1$s发送了 %2$s数据，分为 %3$s。",
    [M_DATA_RETX] = "其中 %s是重传的。",
    [M_DATA_DIR_NONE] = "%s没有发送数据。",
    [M_DATA_NONE] = "抓包中双方都没有发送数据。",
    [M_APP_INTRO] = "应用程序之间说了什么：",
    [M_APP_LINE] = "第 %1$llu 个数据包，%2$s → %3$s：%4$s",
    [M_APP_MORE] = "……还有 %u 条",
    [M_ACKED_ALL_SUM] = "%2$s在第 %1$llu 个数据包中确认了全部数据：Ack = 1 + %3$llu = %4$u，"
                        "即最后一个字节之后的编号。",
    [M_ACKED_ALL] = "%2$s在第 %1$llu 个数据包中确认了全部数据（Ack=%3$u）。",
    [M_NOT_ACKED] = "抓包中没有%1$s确认%2$s最后几个字节的数据包。",
    [M_TROUBLE_NONE] = "一切正常：没有数据重传或丢失，双方的接收窗口也没有用完。",
    [M_TR_RETRANS] = "%1$s的重传：%2$llu 次（%3$s）。%4$s的确认没有及时到达，"
                     "%1$s只好重新发送数据；通常是数据或 ACK 丢失了。",
    [M_TR_FAST_RETRANS] = "%1$s的重传中有 %2$llu 次是快速重传（%3$s）：%4$s的重复确认"
                          "表明中间缺了数据，于是它不等超时就立即重发。",
    [M_TR_SPURIOUS] = "%1$s的重传中有 %2$llu 次是不必要的（%3$s）：%4$s其实已经收到了这些数据。",
    [M_TR_LOST] = "%1$s的数据有缺口：%2$llu 处（在%3$s之前）。%1$s发给%4$s的一个"
                  "报文段不在抓包中：它在到达抓包位置之前丢失了，或者抓包时漏掉了。",
    [M_TR_ACK_LOST] = "%1$s确认了抓包中没有的数据：%2$llu 次（%3$s）。%4$s的数据"
                      "其实已经送达，只是抓包漏掉了。",
    [M_TR_OOO] = "%1$s的乱序报文段：%2$llu 个（%3$s）。它们比后面的数据更晚经过"
                 "抓包位置，%4$s需要把它们重新排好顺序。",
    [M_TR_DUPACK] = "%1$s的重复确认：%2$llu 次（%3$s）。%1$s一再确认同一个字节，"
                    "告诉%4$s后面有数据没收到。",
    [M_TR_ZERO_WIN] = "%1$s的零窗口：%2$llu 次（%3$s）。它的接收缓冲区满了，"
                      "%4$s只能暂停发送，等它腾出空间。",
    [M_TR_ZW_PROBE] = "%1$s的零窗口探测：%2$llu 次（%3$s）：它在询问%4$s是否"
                      "已经腾出空间。",
    [M_TR_WIN_FULL] = "%1$s把%4$s的接收窗口填满了 %2$llu 次（%3$s），只能等待空间。",
    [M_TR_KEEPALIVE] = "%1$s的保活探测：%2$llu 次（%3$s）。在没有数据的时候，"
                       "它检查%4$s是否还在；这是正常的。",
    [M_TR_REUSED] = "端口重用：%2$llu 次（%3$s）。%1$s用和之前与%4$s的某个连接"
                    "相同的地址和端口开始了这个连接。",
    [M_H_CLOSE_FOUR] = "释放连接：四次挥手（%s）",
    [M_H_CLOSE_THREE] = "释放连接：三个数据包完成的挥手（%s）",
    [M_H_CLOSE_SIMUL] = "释放连接：同时关闭（%s）",
    [M_H_CLOSE] = "释放连接（%s）",
    [M_H_CLOSE_NONE] = "释放连接",
    [M_H_RESET] = "连接被重置（%s）",
    [M_H_REFUSED] = "连接被拒绝（%s）",
    [M_FIN_FIRST] = "%s已经没有数据要发送了（FIN：结束）。",
    [M_FIN_SECOND] = "%s的数据也发送完了，发出自己的 FIN。",
    [M_FIN_SEQ_DATA] = "Seq=%1$u：它的数据占用了编号 1 到 %2$u，所以 FIN 紧接着用下一个编号。",
    [M_FIN_SEQ_NODATA] = "Seq=%u：它没有发送数据，所以 FIN 用的是 SYN 之后的下一个编号。",
    [M_FIN_SEQ_GAP] = "Seq=%1$u，但抓包中它的数据到编号 %2$u 就结束了：FIN 之前有 %3$u "
                      "字节不在抓包中。",
    [M_FIN_WITH_DATA] = "这个数据包还带着最后 %2$u 字节数据，编号 %1$u 到 %3$u；FIN 紧随其后，"
                        "编号为 %4$u。",
    [M_ACK_FIN] = "Ack = %1$u + 1 = %2$u：%3$s确认了%4$s的 FIN，FIN 算作一个字节。",
    [M_ACK_FIN_DATA] = "Ack = %1$u + %2$u + 1 = %3$u：%4$s确认了%5$s最后的数据和 FIN，"
                       "FIN 算作一个字节。",
    [M_ACK_FIN_BAD] = "要确认第 %3$llu 个数据包的 FIN，Ack 应该是 %1$u + 1 = %2$u，实际却是 %4$u："
                      "这里的抓包不符合规则。",
    [M_SEQ_NEXT] = "Seq=%1$u 只是%2$s的下一个编号：它的数据占用了编号 1 到 %3$u（并不是随机产生的）。",
    [M_SEQ_NEXT_NODATA] = "Seq=%1$u 只是%2$s的下一个编号：它没有发送数据。",
    [M_HALF_CLOSED] = "连接现在处于半关闭状态：%1$s不能再发送数据，但如果%2$s还有数据要发过来，"
                      "%1$s仍然可以接收。",
    [M_SEQ_SAME] = "Seq 仍然是 %1$u，Ack 仍然是 %2$u，和第 %3$llu 个数据包一样：这期间没有发送新数据。",
    [M_FIN_AND_ACK] = "%s在同一个数据包里既确认了 FIN，又发出了自己的 FIN，所以挥手只用了三个"
                      "数据包而不是四个。",
    [M_SEQ_AFTER_FIN] = "Seq = %2$u + 1 = %1$u：紧接在自己的 FIN 之后的编号。",
    [M_SEQ_AFTER_FIN_BAD] = "Seq=%1$u，而自己的 FIN 之后的编号应该是 %2$u：这里的抓包不符合规则。",
    [M_STATES] = "此时客户端处于 %1$s 状态，服务器处于 %2$s 状态。",
    [M_TIME_WAIT] = "%1$s立即进入 CLOSED 状态；%2$s则在 TIME-WAIT 状态等待一段时间"
                    "（Linux 上约一分钟，其他系统最长四分钟），以防这个最后的 ACK 丢失、"
                    "对方重发 FIN，之后也进入 CLOSED 状态。",
    [M_TIME_WAIT_BOTH] = "双方都在 TIME-WAIT 状态等待一段时间，以防最后的 ACK 丢失，然后进入 CLOSED 状态。",
    [M_SIMUL] = "第 %1$llu 个和第 %2$llu 个数据包的 FIN 在路上交错而过：%3$s在%5$s的 FIN "
                "到达之前就发出了自己的 FIN（Ack=%4$u 没有确认那个 FIN）。双方同时关闭，"
                "所以各自经过 CLOSING 状态，而不是 FIN-WAIT-2。",
    [M_HALF_DATA] = "在半关闭期间，%1$s仍然发送了 %2$s数据，分为 %3$s（%4$s）："
                    "这是允许的，因为%5$s仍然可以接收。",
    [M_FIN_AGAIN] = "%s重发了 FIN：第一次的 FIN 没有及时得到确认。",
    [M_RST_ABORT] = "%s用复位（RST）中止了连接：连接在双方立即结束，不经过 FIN 的挥手过程，"
                    "还在路上的数据都会被丢弃。程序放弃一个连接、或者在还有数据没读完时关闭连接，"
                    "就会这样做；主机收到一个不属于任何已知连接的数据包时，也会回复 RST。",
    [M_RST_AFTER_FIN] = "这个复位发生在 FIN 之后：%s没有等正常的挥手过程结束。",
    [M_RST_MORE] = "后面还有 %1$llu 个 RST 数据包（%2$s）。",
    [M_REFUSED] = "%1$s拒绝了连接：它用复位（RST）回应 SYN。通常是那里的 %2$u 端口没有程序在监听，"
                  "或者防火墙拒绝了连接。",
    [M_REFUSED_ACK] = "Ack = %1$u + 1 = %2$u：这个 RST 回应的是第 %3$llu 个数据包的 SYN。",
    [M_STILL_OPEN] = "抓包结束时连接仍然打开（客户端 %1$s，服务器 %2$s）：抓包中看不到它是怎样结束的。",
    [M_FIN_NOT_ACKED] = "抓包中没有对%1$s的 FIN 的确认；从抓包来看，%1$s停留在 %2$s 状态。",
    [M_ONLY_ONE_FIN] = "只有%1$s关闭了自己这一方；%2$s在抓包中没有发送 FIN，停留在 %3$s 状态："
                       "连接处于半关闭状态。",
    [M_CLOSE_NOT_KEPT] = "连接的释放发生在没有逐个说明的那部分数据包中。",
    [M_STATE_LEGEND] = "各状态的含义：",
    [M_ST_SYN_SENT] = "SYN-SENT：已发送 SYN，等待回应。",
    [M_ST_SYN_RECEIVED] = "SYN-RECEIVED：已回应 SYN，等待最后的 ACK。",
    [M_ST_ESTABLISHED] = "ESTABLISHED：连接已建立。",
    [M_ST_FIN_WAIT_1] = "FIN-WAIT-1：已发送自己的 FIN，等待对方确认。",
    [M_ST_FIN_WAIT_2] = "FIN-WAIT-2：自己的 FIN 已被确认，等待对方的 FIN，仍然可以接收数据。",
    [M_ST_CLOSE_WAIT] = "CLOSE-WAIT：对方已经发送完毕，等待自己的程序关闭连接，仍然可以发送数据。",
    [M_ST_CLOSING] = "CLOSING：双方同时发送了 FIN，等待对自己 FIN 的确认。",
    [M_ST_LAST_ACK] = "LAST-ACK：在对方之后发送了自己的 FIN，等待最后的 ACK。",
    [M_ST_TIME_WAIT] = "TIME-WAIT：一切完成；再等待一段时间，以防最后的 ACK 丢失，并让迟到的数据包"
                       "不会干扰新的连接。",
    [M_ST_CLOSED] = "CLOSED：这一方的连接已经不存在了。",
    [M_H_SUMMARY] = "总结",
    [M_SUM_NORMAL] = "客户端发送了 %1$s，收到了 %2$s；%3$s先关闭，双方按顺序释放了连接。",
    [M_SUM_THREE] = "客户端发送了 %1$s，收到了 %2$s；%3$s先关闭，另一方在一个数据包中同时回复了 FIN 和 ACK。",
    [M_SUM_SIMUL] = "客户端发送了 %1$s，收到了 %2$s；双方同时关闭了连接。",
    [M_SUM_RESET] = "客户端发送了 %1$s，收到了 %2$s；然后%3$s用复位中止了连接。",
    [M_SUM_REFUSED] = "%1$s拒绝了 %2$u 端口上的连接，没有交换任何数据。",
    [M_SUM_NO_ANSWER] = "客户端尝试建立连接（%llu 个 SYN），但在抓包中没有得到回应。",
    [M_SUM_OPEN] = "客户端发送了 %1$s，收到了 %2$s；抓包结束时连接仍然打开。",
    [M_SUM_HALF] = "客户端发送了 %1$s，收到了 %2$s；%3$s开始关闭，但在抓包中关闭没有完成。",
    [M_SUM_MIDSTREAM] = "抓包中没有连接的开始部分。",
    [M_SUM_TROUBLE] = "传输过程中出现了问题（见“发送数据”）。",
    [M_SUM_CLEAN] = "没有数据包丢失或重传。",
    [M_NO_CONN] = "抓包中没有 TCP 连接。",
    [M_NO_STREAM] = "抓包中没有 TCP 流 %u。",
    [M_SKIPPED] = "还有 %1$llu 个连接没有说明：同时打开的连接超过了 %2$u 个。",
    [M_L_CLIENT] = "客户端",
    [M_L_SERVER] = "服务器",
    [M_L_FOLD] = "%1$llu 个数据包：%2$llu 个 %3$s %4$llu 字节，%5$llu 个 %6$s %7$llu 字节",
    [M_L_OMITTED] = "%llu 个数据包未保留",
    [M_L_PAUSE] = "%.3f 秒后",
    [M_L_LEGEND] = "箭头：数据包编号、标志位、Seq/Ack（相对值）、Len；两侧：新的状态",
    [M_L_LEGEND_ABS] = "箭头：数据包编号、标志位、Seq/Ack（绝对值）、Len；两侧：新的状态",
    [M_L_TITLE] = "TCP 流 %u",
}};
