// Package privdrop changes who a process is and what it may use: account
// lookup in /etc/passwd, the credential sequence setgroups → setgid → setuid
// with verification, soft resource limits, and the exec mechanics of
// chain-loaders: limits set immediately before execve, the checks a fused
// link repeats where its execve would fail, and default signal actions for
// programs that wait.
//
// The binary is static, so lookup reads /etc/passwd itself: no NSS, no LDAP
// or systemd-homed accounts (docs/differences.md). Functions here change the whole
// process; they never print and never exit.
package privdrop
