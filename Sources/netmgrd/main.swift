print("netmgrd")
