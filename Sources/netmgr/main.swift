print("netmgr")
