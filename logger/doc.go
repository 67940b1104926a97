// Package logger is multilog as a library (docs/multilog.md): the script
// parser, the pattern matcher, line selection and the log directories
// (current, rotation, archives, processors, state).
//
// It keeps no globals (but pools of buffers that idle loggers give back)
// and never prints, exits or touches signal dispositions, the umask or the
// working directory, so several loggers can run in one process. The
// program around it maps signals to [Logger.Terminate] and
// [Logger.Rotate], prints the warnings it is handed, and sets umask 022 as
// multilog does (the modes below assume it). A host that runs loggers in
// its own process has [Logger.Stop], [Logger.Continue] and [Logger.Abort]
// for what SIGSTOP, SIGCONT and SIGKILL do to a multilog process, and gives
// each logger its starting directory ([Config.Base]), its account's
// file-system credentials ([Config.AsAccount]) and its way of starting
// processors ([Config.StartProcessor]).
//
// The pieces are separate so each can be tested on its own: [ParseScript] is
// pure; [Match] is 0.76's matcher; lines.go cuts input into lines with the
// 1000-byte window; dir.go owns one log directory.
package logger
