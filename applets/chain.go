package applets

// fileID identifies a file by device and inode.
type fileID struct{ dev, ino uint64 }
