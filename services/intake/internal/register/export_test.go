package register

// ReleasedMigrations are the steps of the schema as the foundation release
// created it, numbering from its own table; deployed registers hold data in
// it. Migrations are append-only, so those steps lead the list unchanged.
var ReleasedMigrations = migrations[:3]
