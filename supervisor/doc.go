// Package supervisor owns service directories: the per-service state machine
// and its event loop ([Service]), the supervise/ on-disk protocol (lock,
// control and ok FIFOs, the 18-byte status file and gotools' extended status
// file xstatus), spawning ./run and ./finish, and the one reaper a
// supervising process may have ([Reaper]), and the scanner behind svscan
// ([Scanner]): a pure tree state stepped by events (scan_tree.go) and an
// executor that makes its system calls (scan.go, scan_system.go).
//
// The same Service code runs one directory for the supervise applet and, in
// svscan, thousands of directories inside one process. It therefore never
// changes the working directory (it works on a held directory descriptor with
// *at calls and starts children in /proc/self/fd/N), never touches process
// globals other than the SIGCHLD handler owned by the Reaper, never prints and
// never exits: warnings go to a callback and errors are returned wrapped
// around their errno, for the applet to word.
package supervisor
