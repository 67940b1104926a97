// Package privdrop changes who a process is and what it may use: account
// lookup in /etc/passwd, the credential sequence setgroups → setgid → setuid
// with verification, and soft resource limits.
//
// The binary is static, so lookup reads /etc/passwd itself: no NSS, no LDAP
// or systemd-homed accounts (COMPAT §13.12). Functions here change the whole
// process; they never print and never exit.
package privdrop
