/* summary: the tcplens version string. */
#ifndef TCPLENS_VERSION_H
#define TCPLENS_VERSION_H
#define TCPLENS_VERSION "0.1.0"
#endif
